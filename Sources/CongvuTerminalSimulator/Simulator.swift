import AsyncHTTPClient
import CongvuDomain
import CongvuTerminals
import Foundation
import NIOCore
import NIOHTTP1

/// What a simulated fleet does: how many terminals, how many punches each keeps, and how badly
/// the real world behaves (duplicate rows, lost replies, photos, clock drift, Chinese firmware).
public struct SimulationPlan: Sendable, Codable {
    public var terminals = 20
    /// Rows each terminal holds before it is connected (its history), uploaded in batches.
    public var punchesPerTerminal = 5_000
    /// Realtime punches each terminal sends one by one after its history.
    public var livePunches = 5
    public var batch = 500
    /// Share of rows that are an exact copy of the row before (a person punching twice in a second).
    public var duplicateRate = 0.03
    /// Share of successful uploads sent again, as when the `OK` was lost.
    public var resendRate = 0.05
    /// Share of rows with a photo (attendance-family terminals only).
    public var photoRate = 0.01
    /// Terminals that upload their whole history a second time half-way (as after `Stamp=0`).
    public var fullReuploads = 1
    /// Every n-th terminal speaks the Security PUSH family (`rtlog`, keyed by index); 0: none.
    public var securityEvery = 4
    /// Every n-th terminal runs Chinese firmware and writes names in GB2312; 0: none.
    public var gb2312Every = 5
    /// Seconds a drifting terminal's clock is behind; every third terminal drifts.
    public var drift = 300
    public var pollEvery = 10
    public var serialPrefix = "SIM"
    public var seed: UInt64 = 1

    public init() {}
}

/// What the fleet sent, and what the server must hold afterwards.
public struct SimulationReport: Sendable, Codable {
    public struct TerminalReport: Sendable, Codable {
        public var serial: String
        public var family: String
        public var rows: Int
        /// Distinct punches: what the server must hold from this terminal, no more, no less.
        public var unique: Int
        public var photos: Int
    }

    public var terminals: [TerminalReport]
    public var requests: Int
    public var retries: Int
    public var rowsSent: Int
    public var seconds: Double
    public var expectedPunches: Int { terminals.reduce(0) { $0 + $1.unique } }
    /// Distinct punches per second, end to end.
    public var punchesPerSecond: Double { seconds > 0 ? Double(expectedPunches) / seconds : 0 }
}

/// Drives simulated terminals against a server over real HTTP until every one has delivered
/// everything; a refused or failed request is retried, as a terminal does.
public struct TerminalSimulator: Sendable {
    public let baseURL: String
    public let plan: SimulationPlan
    /// Seconds to wait after a failure (a real terminal waits `ErrorDelay`, 30 s).
    public var retryDelay: Double = 0.2
    /// Give up after this long without one successful request.
    public var patience: Double = 180

    public init(baseURL: String, plan: SimulationPlan) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.plan = plan
    }

    public func serials() -> [String] {
        (0..<plan.terminals).map { plan.serialPrefix + Digits.pad($0 + 1, 5) }
    }

    /// Runs the whole fleet at once. `onHandshake` is called once every terminal has shaken
    /// hands (a test approves them there).
    public func run(onHandshake: (@Sendable ([String]) async throws -> Void)? = nil) async throws -> SimulationReport {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: plan.terminals + 4)
        configuration.timeout = .init(connect: .seconds(5), read: .seconds(120))
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        do {
            var devices = serials().enumerated().map { i, serial in SimulatedTerminal(index: i, serial: serial, plan: plan) }
            for i in devices.indices { try await handshake(&devices[i], client) }
            try await onHandshake?(devices.map(\.serial))
            // Timed from here: the uploads, not generating rows or the first contact.
            let started = ContinuousClock.now
            let reports = try await withThrowingTaskGroup(of: (SimulationReport.TerminalReport, Int, Int, Int).self) { group in
                for device in devices {
                    group.addTask {
                        var d = device
                        try await self.upload(&d, client)
                        return (d.report, d.requests, d.retries, d.rowsSent)
                    }
                }
                var out: [(SimulationReport.TerminalReport, Int, Int, Int)] = []
                for try await r in group { out.append(r) }
                return out
            }
            let elapsed = ContinuousClock.now - started
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            try await client.shutdown()
            return SimulationReport(terminals: reports.map(\.0).sorted { $0.serial < $1.serial }, requests: reports.reduce(0) { $0 + $1.1 },
                                    retries: reports.reduce(0) { $0 + $1.2 }, rowsSent: reports.reduce(0) { $0 + $1.3 }, seconds: seconds)
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    struct Reply {
        var status: Int
        var text: String
    }

    /// One request; nil when the connection failed (the server is down, or went down mid-request).
    func send(_ method: HTTPMethod, _ path: String, _ body: Data = Data(), _ client: HTTPClient, chunked: Bool = false, token: String? = nil) async -> Reply? {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        // A registered Security PUSH terminal shows its session token on every request.
        if let token { request.headers.add(name: "Cookie", value: "token=\(token)") }
        if !body.isEmpty || method == .POST {
            if chunked {
                // Some firmware streams its body: chunked transfer encoding, no length.
                let parts = stride(from: 0, to: body.count, by: 4096).map { ByteBuffer(bytes: body[$0..<min($0 + 4096, body.count)]) }
                let stream = AsyncStream<ByteBuffer> { continuation in
                    for part in parts { continuation.yield(part) }
                    continuation.finish()
                }
                request.body = .stream(stream, length: .unknown)
            } else {
                request.body = .bytes(ByteBuffer(bytes: body))
                request.headers.add(name: "Content-Type", value: "application/push")
            }
        }
        do {
            let response = try await client.execute(request, timeout: .seconds(120))
            let bytes = try await response.body.collect(upTo: 1 << 20)
            return Reply(status: Int(response.status.code), text: String(buffer: bytes))
        } catch {
            return nil
        }
    }

    /// Sends until a `200` (and, for uploads, `OK…`), waiting between tries.
    func deliver(_ d: inout SimulatedTerminal, _ method: HTTPMethod, _ path: String, _ body: Data = Data(), _ client: HTTPClient,
                 chunked: Bool = false, accept: (Reply) -> Bool = { $0.status == 200 }) async throws -> Reply {
        let since = ContinuousClock.now
        while true {
            d.requests += 1
            if let r = await send(method, path, body, client, chunked: chunked, token: d.token) {
                if accept(r) { return r }
            }
            d.retries += 1
            if ContinuousClock.now - since > .seconds(patience) {
                throw SimulatorError(message: "\(d.serial): no success for \(Int(patience)) s on \(path)")
            }
            try await Task.sleep(for: .milliseconds(Int(retryDelay * 1000)))
        }
    }

    /// First contact. A Security PUSH terminal registers, fetches its configuration and from
    /// then on carries the token made of its registry code, serial and session.
    func handshake(_ d: inout SimulatedTerminal, _ client: HTTPClient) async throws {
        if d.security {
            _ = try await deliver(&d, .GET, "/iclock/cdata?SN=\(d.serial)&options=all&pushver=3.1.2&language=86", Data(), client)
            let registry = try await deliver(&d, .POST, "/iclock/registry?SN=\(d.serial)", Data("DeviceType=acc,~DeviceName=SimFace,FirmVer=ZAM180".utf8), client)
            let config = try await deliver(&d, .POST, "/iclock/push?SN=\(d.serial)", Data(), client)
            let session = config.text.split(separator: "\n").first { $0.hasPrefix("SessionID=") }.map { String($0.dropFirst(10)) } ?? ""
            guard registry.text.hasPrefix("RegistryCode="), !session.isEmpty else {
                throw SimulatorError(message: "\(d.serial): registration answered \(registry.text) / \(config.text)")
            }
            d.token = SecurityPush.token(registryCode: String(registry.text.dropFirst(13)), serial: d.serial, sessionID: session)
        } else {
            _ = try await deliver(&d, .GET, "/iclock/cdata?SN=\(d.serial)&options=all&pushver=2.4.1&language=86", Data(), client)
        }
    }

    /// The handshake's `ATTLOGStamp`: a stamp below what was delivered (0 after the office asks)
    /// makes the terminal send everything from there again, as real firmware does.
    func rehandshake(_ d: inout SimulatedTerminal, _ client: HTTPClient) async throws {
        let path = d.security ? "/iclock/cdata?SN=\(d.serial)&options=all&pushver=3.1.2" : "/iclock/cdata?SN=\(d.serial)&options=all&pushver=2.4.1&language=86"
        let r = try await deliver(&d, .GET, path, Data(), client)
        if !d.security, let line = r.text.split(separator: "\n").first(where: { $0.hasPrefix("ATTLOGStamp=") }),
           let stamp = Int(line.dropFirst(12)), stamp < d.cursor {
            d.cursor = stamp
        }
    }

    func upload(_ d: inout SimulatedTerminal, _ client: HTTPClient) async throws {
        var rng = SeededGenerator(seed: plan.seed &+ UInt64(d.index) &* 7919)
        // The terminal reports the users it holds (enrolled at the device): their punches count.
        let users = Set(d.rows.map(\.pin)).sorted().map { "PIN=\($0)\tName=\tPri=0\tCard=0" }.joined(separator: "\n") + "\n"
        _ = try await deliver(&d, .POST, "/iclock/cdata?SN=\(d.serial)&table=USERINFO", Data(users.utf8), client) { $0.status == 200 }
        if d.gb2312 {
            // Chinese firmware: names in GB2312, sent with the operation log.
            let name = Data("USER PIN=10001\tName=".utf8) + Data([0xD6, 0xD0, 0xCE, 0xC4]) + Data("\tPri=0\tCard=0\n".utf8)
            _ = try await deliver(&d, .POST, "/iclock/cdata?SN=\(d.serial)&table=OPERLOG&OpStamp=1", name, client) { $0.status == 200 }
        }
        var uploads = 0
        var reuploaded = d.index >= plan.fullReuploads
        while d.cursor < d.rows.count {
            let end = d.cursor < d.history ? min(d.cursor + plan.batch, d.history) : d.cursor + 1  // live rows go one by one
            if d.live(d.cursor) && !d.stamped.contains(d.cursor) {
                // A realtime punch gets its time when it happens, on the terminal's own clock, and keeps it.
                d.rows[d.cursor] = d.rows[d.cursor].shifted(to: Date(), drift: d.drift)
                d.stamped.insert(d.cursor)
            }
            let slice = Array(d.rows[d.cursor..<end])
            let body = d.body(for: slice)
            let path = d.security ? "/iclock/cdata?SN=\(d.serial)&table=rtlog" : "/iclock/cdata?SN=\(d.serial)&table=ATTLOG&Stamp=\(end)"
            let chunked = uploads % 7 == 3
            let r = try await deliver(&d, .POST, path, body, client, chunked: chunked) { $0.status == 200 && $0.text.hasPrefix("OK") }
            d.rowsSent += slice.count
            if r.text != "OK:\(slice.count)" { throw SimulatorError(message: "\(d.serial): answered \(r.text) for \(slice.count) rows") }
            if Double.random(in: 0..<1, using: &rng) < plan.resendRate {
                // The OK was lost: the same batch again.
                _ = try await deliver(&d, .POST, path, body, client) { $0.status == 200 && $0.text.hasPrefix("OK") }
                d.rowsSent += slice.count
            }
            for row in slice where row.photo && !d.security {
                let name = "\(row.time.description.filter(\.isNumber))-\(row.pin).jpg"
                let photo = SimulatedTerminal.jpeg(row.seed)
                if row.seed % 2 == 0 {
                    let body = Data("PIN=\(name)\nSN=\(d.serial)\nsize=\(photo.count)\nCMD=uploadphoto".utf8) + Data([0]) + photo
                    _ = try await deliver(&d, .POST, "/iclock/cdata?SN=\(d.serial)&table=ATTPHOTO&Stamp=\(end)", body, client)
                } else {
                    _ = try await deliver(&d, .POST, "/iclock/fdata?SN=\(d.serial)&PIN=\(name)", photo, client)
                }
            }
            d.cursor = end
            uploads += 1
            if uploads % plan.pollEvery == 0 { try await poll(&d, client) }
            if !reuploaded && d.cursor >= d.history / 2 {
                // A full re-upload half-way (a terminal whose stamps were reset): nothing may be added twice.
                reuploaded = true
                d.cursor = 0
            }
        }
        try await poll(&d, client)
        try await rehandshake(&d, client)
        // A stamp of 0 from the server (the office asked for everything) sends the lot again.
        while d.cursor < d.rows.count {
            let end = min(d.cursor + plan.batch, d.rows.count)
            let slice = Array(d.rows[d.cursor..<end])
            _ = try await deliver(&d, .POST, "/iclock/cdata?SN=\(d.serial)&table=ATTLOG&Stamp=\(end)", d.body(for: slice), client) {
                $0.status == 200 && $0.text.hasPrefix("OK")
            }
            d.rowsSent += slice.count
            d.cursor = end
        }
    }

    /// A poll: the device's counts, then any commands, executed and answered in one batch.
    func poll(_ d: inout SimulatedTerminal, _ client: HTTPClient) async throws {
        let info = "INFO=Ver%206.60%20Sim,\(d.users.count),0,\(d.cursor),10.0.0.\(d.index + 10)"
        let r = try await deliver(&d, .GET, "/iclock/getrequest?SN=\(d.serial)&\(info)", Data(), client)
        let lines = r.text.split(separator: "\n").filter { $0.hasPrefix("C:") }
        guard !lines.isEmpty else { return }
        var results: [String] = []
        var requery: [SimulatedTerminal.Row] = []
        for line in lines {
            let parts = line.split(separator: ":", maxSplits: 2).map(String.init)
            guard parts.count == 3 else { continue }
            let (id, command) = (parts[1], parts[2])
            if command.hasPrefix("DATA UPDATE USERINFO") {
                let f = PushText.fields(Substring(command.dropFirst("DATA UPDATE USERINFO ".count)))
                d.users[f["PIN"] ?? ""] = f["Name"] ?? ""
                results.append("ID=\(id)&Return=0&CMD=DATA")
            } else if command.hasPrefix("DATA DELETE USERINFO") {
                let pin = String(command.split(separator: "=").last ?? "")
                results.append("ID=\(id)&Return=\(d.users.removeValue(forKey: pin) == nil ? -10 : 0)&CMD=DATA")
            } else if command.hasPrefix("VERIFY SUM ATTLOG") || command.hasPrefix("DATA QUERY ATTLOG") {
                let range = SimulatedTerminal.range(command)
                let inRange = d.rows[0..<d.cursor].filter { row in range.map { $0.contains(row.time.description) } ?? false }
                if command.hasPrefix("VERIFY") {
                    let (from, to) = (range?.lowerBound ?? "", range?.upperBound ?? "")
                    results.append("ID=\(id)&Return=0&CMD=VERIFY SUM&StartTime=\(from)&EndTime=\(to)&AttlogSum=\(Set(inRange.map(\.key)).count)")
                } else {
                    requery += inRange
                    results.append("ID=\(id)&Return=0&CMD=DATA")
                }
            } else if command == "REBOOT" || command == "INFO" || command.hasPrefix("DATA UPDATE SMS") {
                results.append("ID=\(id)&Return=0&CMD=\(command.split(separator: " ").first ?? "")")
            } else {
                results.append("ID=\(id)&Return=-1002&CMD=\(command.split(separator: " ").first ?? "")")
            }
        }
        _ = try await deliver(&d, .POST, "/iclock/devicecmd?SN=\(d.serial)", Data((results.joined(separator: "\n") + "\n").utf8), client)
        for chunk in stride(from: 0, to: requery.count, by: plan.batch) {
            let slice = Array(requery[chunk..<min(chunk + plan.batch, requery.count)])
            _ = try await deliver(&d, .POST, "/iclock/cdata?SN=\(d.serial)&table=ATTLOG", d.body(for: slice), client) { $0.text.hasPrefix("OK") }
            d.rowsSent += slice.count
        }
    }
}

public struct SimulatorError: Error, CustomStringConvertible {
    public var message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}

/// One simulated terminal: its log, and how far the server has acknowledged it.
struct SimulatedTerminal: Sendable {
    struct Row: Sendable {
        var pin: String
        var time: TerminalTime
        var index: Int
        var photo: Bool
        var seed: Int
        /// The row's bytes as the terminal keeps them (empty for a live row until it happens).
        var text = Data()
        var key: String { "\(pin)|\(time)|\(index)" }

        /// A realtime punch happens now, on a clock `drift` seconds behind.
        func shifted(to now: Date, drift: Int) -> Row {
            var r = self
            r.text = Data()
            r.time = TerminalTime(Instant.formatLocal(now.addingTimeInterval(-TimeInterval(drift))) + ":" + Digits.pad(Int(now.timeIntervalSince1970) % 60, 2))!
            return r
        }
    }

    let index: Int
    let serial: String
    let security: Bool
    let gb2312: Bool
    let drift: Int
    var rows: [Row] = []
    /// Rows before this are history (batched); the rest are live (one per request).
    let history: Int
    var cursor = 0
    /// Live rows already given their time.
    var stamped = Set<Int>()
    var users: [String: String] = [:]
    /// The Security PUSH session token, once registered.
    var token: String?
    var requests = 0
    var retries = 0
    var rowsSent = 0

    init(index: Int, serial: String, plan: SimulationPlan) {
        self.index = index
        self.serial = serial
        security = plan.securityEvery > 0 && index % plan.securityEvery == plan.securityEvery - 1
        gb2312 = plan.gb2312Every > 0 && index % plan.gb2312Every == plan.gb2312Every - 1
        drift = index % 3 == 2 ? plan.drift : 0
        var rng = SeededGenerator(seed: plan.seed &+ UInt64(index))
        // History: every 20 s over the days before, from a few hundred people; some exact doubles.
        let start = Date().addingTimeInterval(-TimeInterval(plan.punchesPerTerminal * 20 + 3600))
        var k = 0
        while rows.count < plan.punchesPerTerminal + plan.livePunches {
            let at = start.addingTimeInterval(TimeInterval(k * 20))
            let time = TerminalTime(Instant.formatLocal(at) + ":" + Digits.pad(k % 60, 2))!
            let row = Row(pin: String(10_000 + Int(rng.next() % 300)), time: time, index: k + 1, photo: Double(rng.next() % 10_000) / 10_000 < plan.photoRate,
                          seed: Int(rng.next() % 1_000_000))
            rows.append(row)
            if Double(rng.next() % 10_000) / 10_000 < plan.duplicateRate, rows.count < plan.punchesPerTerminal { rows.append(row) }
            k += 1
        }
        history = plan.punchesPerTerminal
        rows = Array(rows.prefix(plan.punchesPerTerminal + plan.livePunches))
        for i in history..<rows.count {
            // Live punches: people nobody else is, no photo (their time is only known when sent).
            rows[i].pin = String(20_000 + i)
            rows[i].photo = false
        }
        for i in 0..<history { rows[i].text = Data(line(rows[i]).utf8) }
    }

    func live(_ at: Int) -> Bool { at >= history }

    /// A row as the terminal writes it: ATTLOG (tab-separated, CRLF on some) or rtlog key=value.
    func line(_ r: Row) -> String {
        if security {
            return "time=\(r.time)\tpin=\(r.pin)\tcardno=0\teventaddr=1\tevent=0\tinoutstatus=0\tverifytype=15\tindex=\(r.index)\n"
        }
        return "\(r.pin)\t\(r.time)\t0\t\(r.index % 2 == 0 ? 15 : 1)\t0\t0\t0" + (index % 2 == 0 ? "\r\n" : "\n")
    }

    /// The rows of an upload: history rows as stored in the terminal (written once), live rows as they happen.
    func body(for rows: [Row]) -> Data {
        var out = Data()
        for r in rows { out += r.text.isEmpty ? Data(line(r).utf8) : r.text }
        return out
    }

    /// Live rows are sent at the moment they happen, so their stored time is only known then:
    /// the expected count does not depend on it (one row, one punch).
    var report: SimulationReport.TerminalReport {
        let unique = Set(rows.prefix(history).map(\.key)).count + (rows.count - history)
        let photos = security ? 0 : Set(rows.prefix(history).filter(\.photo).map(\.key)).count
        return .init(serial: serial, family: security ? "3.x" : "2.x", rows: rows.count, unique: unique, photos: photos)
    }

    /// A small JPEG-shaped body, different per seed.
    static func jpeg(_ seed: Int) -> Data {
        var d = Data([0xFF, 0xD8, 0xFF, 0xE0])
        var x = UInt64(seed) &+ 1
        for _ in 0..<(1500 + seed % 1000) {
            x = x &* 6364136223846793005 &+ 1442695040888963407
            d.append(UInt8(truncatingIfNeeded: x >> 33))
        }
        return d + Data([0xFF, 0xD9])
    }

    /// `StartTime=… \t EndTime=…` of a command, as a closed range of `YYYY-MM-DD HH:MM:SS` texts.
    static func range(_ command: String) -> ClosedRange<String>? {
        let f = PushText.fields(Substring(command))
        let start = f.first { $0.key.hasSuffix("StartTime") }?.value, end = f["EndTime"]
        guard let start, let end, start <= end else { return nil }
        return start...end
    }
}
