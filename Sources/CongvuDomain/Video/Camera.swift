import Foundation

/// How a camera's stream addresses are made.
public enum CameraBrand: String, CaseIterable, Sendable, Codable {
    /// `rtsp://IP:554/Streaming/Channels/<channel*100+stream>`, snapshot over ISAPI.
    case hikvision
    /// `rtsp://IP:554/cam/realmonitor?channel=N&subtype=0|1`, snapshot through snapshot.cgi.
    case dahua
    /// Addresses found by ONVIF discovery (GetStreamUri, GetSnapshotUri).
    case onvif
    /// Full RTSP addresses typed in.
    case rtsp
}

/// The two streams a camera offers: the main one is recorded, the sub-stream serves phones and grids.
public enum CameraStream: String, CaseIterable, Sendable, Codable {
    case main
    case sub
}

public enum CameraRight: String, CaseIterable, Sendable, Codable {
    case live
    case playback
    case export
}

/// A camera as the office configured it. The password is never here: the store keeps it sealed.
public struct Camera: Sendable, Equatable, Identifiable {
    public var id: Int64
    public var unitID: Int64
    public var name: String
    public var brand: CameraBrand
    public var host: String
    public var rtspPort: Int
    public var httpPort: Int
    public var channel: Int
    public var username: String
    /// For `rtsp` and `onvif`: the addresses without credentials.
    public var mainURL: String
    public var subURL: String
    public var snapshotURL: String
    public var recording: Bool
    /// Footage older than this is deleted (unless protected).
    public var retentionDays: Int
    /// The entrance terminal whose punches take a snapshot from this camera.
    public var terminalSerial: String?
    public var active: Bool

    public init(id: Int64 = 0, unitID: Int64, name: String, brand: CameraBrand, host: String = "", rtspPort: Int = 554,
                httpPort: Int = 80, channel: Int = 1, username: String = "", mainURL: String = "", subURL: String = "",
                snapshotURL: String = "", recording: Bool = true, retentionDays: Int = 30, terminalSerial: String? = nil,
                active: Bool = true) {
        self.id = id; self.unitID = unitID; self.name = name; self.brand = brand; self.host = host
        self.rtspPort = rtspPort; self.httpPort = httpPort; self.channel = channel; self.username = username
        self.mainURL = mainURL; self.subURL = subURL; self.snapshotURL = snapshotURL; self.recording = recording
        self.retentionDays = retentionDays; self.terminalSerial = terminalSerial; self.active = active
    }

    /// The stream's address without credentials (safe to show and log).
    public func url(_ stream: CameraStream) -> String {
        switch brand {
        case .hikvision:
            return "rtsp://\(hostPort(rtspPort, standard: 554))/Streaming/Channels/\(channel * 100 + (stream == .main ? 1 : 2))"
        case .dahua:
            return "rtsp://\(hostPort(rtspPort, standard: 554))/cam/realmonitor?channel=\(channel)&subtype=\(stream == .main ? 0 : 1)"
        case .onvif, .rtsp:
            return stream == .main || subURL.isEmpty ? mainURL : subURL
        }
    }

    /// The snapshot address without credentials, or nil when the camera has none.
    public var snapshot: String? {
        switch brand {
        case .hikvision: return "http://\(hostPort(httpPort, standard: 80))/ISAPI/Streaming/channels/\(channel * 100 + 1)/picture"
        case .dahua: return "http://\(hostPort(httpPort, standard: 80))/cgi-bin/snapshot.cgi?channel=\(channel)"
        case .onvif, .rtsp: return snapshotURL.isEmpty ? nil : snapshotURL
        }
    }

    /// Whether the sub-stream is a stream of its own (otherwise phones get the main stream).
    public var hasSubStream: Bool {
        switch brand {
        case .hikvision, .dahua: return true
        case .onvif, .rtsp: return !subURL.isEmpty && subURL != mainURL
        }
    }

    private func hostPort(_ port: Int, standard: Int) -> String {
        let h = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        return port == standard ? h : "\(h):\(port)"
    }
}

public enum StreamURL {
    /// `url` with the credentials put in (percent-encoded), for the recorder only.
    public static func withCredentials(_ url: String, username: String, password: String) -> String {
        guard !username.isEmpty, let p = parts(url) else { return url }
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let user = username.addingPercentEncoding(withAllowedCharacters: allowed) ?? username
        let pass = password.addingPercentEncoding(withAllowedCharacters: allowed) ?? password
        return p.scheme + user + (password.isEmpty ? "" : ":" + pass) + "@" + p.hostPort + p.rest
    }

    /// `url` without any user or password in it.
    public static func redacted(_ url: String) -> String {
        guard let p = parts(url) else { return url }
        return String(p.scheme + p.hostPort + p.rest)
    }

    /// An address taken apart: the scheme with `://`, the user and password typed in it (decoded), the
    /// host and port, and the rest (path and query).
    struct Parts {
        var scheme: Substring
        var user: String?
        var password: String?
        var hostPort: Substring
        var rest: Substring
    }

    static func parts(_ url: String) -> Parts? {
        guard let scheme = url.range(of: "://") else { return nil }
        let after = url[scheme.upperBound...]
        let end = after.firstIndex { $0 == "/" || $0 == "?" } ?? after.endIndex
        let authority = after[..<end]
        var parts = Parts(scheme: url[..<scheme.upperBound], hostPort: authority, rest: after[end...])
        if let at = authority.lastIndex(of: "@") {
            let info = authority[..<at].split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            parts.user = info.first.flatMap { String($0).removingPercentEncoding }
            parts.password = info.count > 1 ? String(info[1]).removingPercentEncoding : nil
            parts.hostPort = authority[authority.index(after: at)...]
        }
        return parts
    }

    /// Removes credentials from any rtsp/http address inside a line (ffmpeg prints its input address).
    public static func redactLine(_ line: String) -> String {
        var out = line
        for scheme in ["rtsp://", "http://", "https://"] {
            var search = out.startIndex
            while let r = out.range(of: scheme, range: search..<out.endIndex) {
                let end = out[r.upperBound...].firstIndex { $0 == " " || $0 == "'" || $0 == "\"" } ?? out.endIndex
                let clean = redacted(String(out[r.lowerBound..<end]))
                out.replaceSubrange(r.lowerBound..<end, with: clean)
                search = out.index(r.lowerBound, offsetBy: clean.count)
            }
        }
        return out
    }
}

/// What the office typed to add or change a camera.
public struct CameraDraft: Sendable, Equatable {
    public var unitID: Int64?
    public var name: String
    public var brand: String
    public var host: String
    public var rtspPort: String
    public var httpPort: String
    public var channel: String
    public var username: String
    public var password: String
    public var mainURL: String
    public var subURL: String
    public var snapshotURL: String
    public var recording: Bool
    public var retentionDays: String
    public var terminalSerial: String

    public init(unitID: Int64? = nil, name: String = "", brand: String = "hikvision", host: String = "", rtspPort: String = "",
                httpPort: String = "", channel: String = "", username: String = "", password: String = "", mainURL: String = "",
                subURL: String = "", snapshotURL: String = "", recording: Bool = true, retentionDays: String = "",
                terminalSerial: String = "") {
        self.unitID = unitID; self.name = name; self.brand = brand; self.host = host; self.rtspPort = rtspPort
        self.httpPort = httpPort; self.channel = channel; self.username = username; self.password = password
        self.mainURL = mainURL; self.subURL = subURL; self.snapshotURL = snapshotURL; self.recording = recording
        self.retentionDays = retentionDays; self.terminalSerial = terminalSerial
    }

    /// The camera this draft describes, or every problem with it.
    public func validated() throws -> Camera {
        var errors = ValidationErrors()
        let name = self.name.trimmingCharacters(in: .whitespacesAndNewlines)
        if name.isEmpty { errors.add("name", "required") } else if name.count > 120 { errors.add("name", "too_long") }
        if unitID == nil { errors.add("unit", "required") }
        let brand = CameraBrand(rawValue: self.brand)
        if brand == nil { errors.add("brand", "camera_brand") }
        let host = self.host.trimmingCharacters(in: .whitespaces)
        func port(_ text: String, _ field: String, _ fallback: Int) -> Int {
            let t = text.trimmingCharacters(in: .whitespaces)
            if t.isEmpty { return fallback }
            guard let p = Int(t), (1...65535).contains(p) else { errors.add(field, "camera_port"); return fallback }
            return p
        }
        let rtspPort = port(self.rtspPort, "rtsp_port", 554)
        let httpPort = port(self.httpPort, "http_port", 80)
        var channel = 1
        let ch = self.channel.trimmingCharacters(in: .whitespaces)
        if !ch.isEmpty {
            if let c = Int(ch), (1...256).contains(c) { channel = c } else { errors.add("channel", "camera_channel") }
        }
        var retention = 30
        let r = retentionDays.trimmingCharacters(in: .whitespaces)
        if !r.isEmpty {
            if let d = Int(r), (1...3650).contains(d) { retention = d } else { errors.add("retention_days", "camera_retention") }
        }
        let main = StreamURL.redacted(mainURL.trimmingCharacters(in: .whitespaces))
        let sub = StreamURL.redacted(subURL.trimmingCharacters(in: .whitespaces))
        let snap = StreamURL.redacted(snapshotURL.trimmingCharacters(in: .whitespaces))
        switch brand {
        case .hikvision?, .dahua?:
            if !Self.isHost(host) { errors.add("host", host.isEmpty ? "required" : "camera_host") }
        case .onvif?:
            // The addresses come from discovery; what is needed is where to ask.
            if !Self.isHost(host) { errors.add("host", host.isEmpty ? "required" : "camera_host") }
            if !main.isEmpty && !Self.isRTSP(main) { errors.add("main_url", "camera_rtsp_url") }
        case .rtsp?:
            if main.isEmpty { errors.add("main_url", "required") } else if !Self.isRTSP(main) { errors.add("main_url", "camera_rtsp_url") }
        case nil:
            break
        }
        if brand == .rtsp || brand == .onvif {
            if !sub.isEmpty && !Self.isRTSP(sub) { errors.add("sub_url", "camera_rtsp_url") }
            if !snap.isEmpty && !(snap.hasPrefix("http://") || snap.hasPrefix("https://")) { errors.add("snapshot_url", "camera_http_url") }
        }
        // Credentials typed inside an address move to the fields, so they are sealed, never stored in clear.
        var user = username.trimmingCharacters(in: .whitespaces)
        if user.isEmpty, let found = Self.userInURL(mainURL) { user = found }
        try errors.throwIfAny()
        return Camera(unitID: unitID!, name: name, brand: brand!, host: host, rtspPort: rtspPort, httpPort: httpPort,
                      channel: channel, username: user, mainURL: main, subURL: sub, snapshotURL: snap, recording: recording,
                      retentionDays: retention, terminalSerial: terminalSerial.isEmpty ? nil : terminalSerial)
    }

    /// The password typed into the main address when the password field is empty.
    public var effectivePassword: String {
        password.isEmpty ? StreamURL.parts(mainURL)?.password ?? "" : password
    }

    static func userInURL(_ url: String) -> String? {
        StreamURL.parts(url)?.user.flatMap { $0.isEmpty ? nil : $0 }
    }

    static func isRTSP(_ url: String) -> Bool {
        guard url.hasPrefix("rtsp://") || url.hasPrefix("rtsps://"), let p = StreamURL.parts(url) else { return false }
        return isHost(String(p.hostPort.split(separator: ":").first ?? ""))
    }

    /// A host name or IPv4 address (letters, digits, dots, hyphens), no spaces or slashes.
    static func isHost(_ host: String) -> Bool {
        guard !host.isEmpty, host.count <= 253 else { return false }
        return host.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) && $0.isASCII || "-.:[]".unicodeScalars.contains($0) }
    }
}
