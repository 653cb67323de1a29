import Foundation
import CongvuDomain
import Testing

@Suite struct AccessTests {
    // Province 1, commune A = 2, commune B = 3.
    let a = "/1/2/", b = "/1/3/"

    func principal(_ grants: (Role, String)...) -> Principal {
        Principal(userID: 1, username: "u", displayName: "U",
                  grants: grants.map { Grant(role: $0.0, unitID: OrgUnit.ids(inPath: $0.1).last!, unitPath: $0.1) })
    }

    @Test func grantsReachTheirSubtreeOnly() {
        let p = principal((.civilServant, a))
        #expect(p.allows(.viewPeople, at: a + "9/"))
        #expect(!p.allows(.viewPeople, at: b))
        #expect(!p.allows(.viewPeople, at: "/1/"))
        #expect(!p.allows(.editPeople, at: a))
        // "/1/2/" must not reach "/1/20/": paths end with a slash.
        #expect(!p.allows(.viewPeople, at: "/1/20/"))
    }

    @Test func rolesCarryTheirPermissions() {
        #expect(principal((.unitAdmin, a)).allows(.editPeople, at: a))
        #expect(!principal((.leader, a)).allows(.editPeople, at: a))
        #expect(principal((.systemAdmin, "/1/")).allows(.viewAudit, at: b))
        #expect(!principal((.inspector, "/1/")).allows(.editOrganisation, at: b))
        #expect(principal((.leader, a)).isPrivileged)
        #expect(!principal((.civilServant, a)).isPrivileged)
    }

    @Test func scopesDropNestedRoots() {
        let p = principal((.leader, a), (.civilServant, a + "5/"), (.oneStopOfficer, b))
        #expect(p.scopes(for: .viewPeople) == [a, b])
        #expect(p.scopes(for: .editPeople).isEmpty)
    }
}

@Suite struct AuditRecordTests {
    let record = AuditRecord(seq: 4, at: "2026-11-22T01:00:00.000Z", actorID: 2, actorName: "vanphong", action: .update,
                             objectType: "person", objectID: "9", before: "{\"a\":1}", after: "{\"a\":2}", reason: "sửa tên",
                             prevHash: AuditRecord.genesisHash, hash: "")

    @Test func everyFieldIsCovered() {
        var changed = [record, record, record, record, record]
        changed[0].seq = 5
        changed[1].reason = "khác"
        changed[2].actorID = nil
        changed[3].prevHash = String(repeating: "1", count: 64)
        changed[4].after = "{\"a\":3}"
        for c in changed { #expect(c.canonical != record.canonical) }
    }

    @Test func fieldsCannotBleedIntoEachOther() {
        var x = record, y = record
        x.before = "ab"; x.after = "c"
        y.before = "a"; y.after = "bc"
        #expect(x.canonical != y.canonical)
    }
}

/// Guessing a password from one place crawls; nobody can keep the owner out.
@Suite struct SignInThrottleTests {
    let throttle = SignInThrottle()
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func failures(pair: Int, ago: TimeInterval = 1, address: Int? = nil, account: Int? = nil) -> SignInThrottle.Failures {
        SignInThrottle.Failures(pair: pair, lastPair: pair == 0 ? nil : now.addingTimeInterval(-ago), address: address ?? pair, account: account ?? pair)
    }

    @Test func delaysDoubleAfterTheFreeFailures() {
        #expect((0...3).map { throttle.delay(afterFailures: $0) } == [0, 0, 0, 5])
        #expect(throttle.delay(afterFailures: 4) == 10 && throttle.delay(afterFailures: 6) == 40)
        #expect(throttle.delay(afterFailures: 40) == 15 * 60)
        #expect(throttle.decide(failures(pair: 2), now: now, knownDevice: false, secondFactor: false) == .allow)
        #expect(throttle.decide(failures(pair: 3), now: now, knownDevice: false, secondFactor: false) == .wait(seconds: 4))
        #expect(throttle.decide(failures(pair: 3, ago: 6), now: now, knownDevice: false, secondFactor: false) == .allow)
        #expect(throttle.decide(failures(pair: 4, ago: 6, account: 4), now: now, knownDevice: false, secondFactor: false) == .wait(seconds: 4))
    }

    @Test func failuresElsewhereStopNewDevicesOnly() {
        // Five failures on the account from other addresses; none from here.
        let elsewhere = failures(pair: 0, address: 0, account: 5)
        #expect(throttle.decide(elsewhere, now: now, knownDevice: false, secondFactor: false) == .newDevicesWait)
        #expect(throttle.decide(elsewhere, now: now, knownDevice: true, secondFactor: false) == .allow)
        #expect(throttle.decide(elsewhere, now: now, knownDevice: false, secondFactor: true) == .allow)
    }

    @Test func anAddressSprayingManyAccountsIsStopped() {
        let spray = failures(pair: 0, address: 20, account: 0)
        #expect(throttle.decide(spray, now: now, knownDevice: false, secondFactor: true) == .addressBlocked)
        // The owner's own device is not the spraying address.
        #expect(throttle.decide(spray, now: now, knownDevice: true, secondFactor: false) == .allow)
    }
}

/// A map of strings is written by hand, not by `JSONEncoder`: the text must be the encoder's own,
/// byte for byte, or a stored record's hash or a notification's dedupe would change with the path.
@Suite struct StringMapJSONTests {
    func generic<T: Encodable>(_ value: T) -> String { AuditJSON.encode(value) }

    @Test func theMapIsWrittenExactlyAsTheEncoderWritesIt() throws {
        let samples: [[String: String]] = [
            [:],
            ["title": "Báo cáo quý IV", "reference": "7/2026/VP", "due": "2026-12-31"],
            ["a": "\"quoted\" \\ back/slash", "B": "tab\there\nnew\rline", "a10": "\u{0}\u{1}\u{8}\u{C}\u{1F}\u{7F}", "a9": "😀 Ấp Đông"],
            ["Z": "", "z": "", "_": "", "0": "", "é": "", "e": "", "E": "", "key with space": "</script>"],
        ]
        var g = SystemRandomNumberGenerator()
        let alphabet = Array("aAbZ09 _-/\\\"'\n\t\u{0}\u{1B}ăĐữ😀")
        let random: [[String: String]] = (0..<300).map { _ in
            var m: [String: String] = [:]
            for _ in 0..<Int.random(in: 0...5, using: &g) {
                let word = { String((0..<Int.random(in: 0...8, using: &g)).map { _ in alphabet.randomElement(using: &g)! }) }
                m[word()] = word()
            }
            return m
        }
        for map in samples + random {
            #expect(AuditJSON.encode(map) == generic(map), "\(map)")
            #expect(try JSONDecoder().decode([String: String].self, from: Data(AuditJSON.encode(map).utf8)) == map)
        }
        #expect(AuditJSON.encode(Optional<[String: String]>.none) == "")
    }
}
