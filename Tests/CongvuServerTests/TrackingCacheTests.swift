@testable import CongvuServer
import CongvuDomain
import CongvuStore
import Foundation
import HTTPTypes
import HummingbirdTesting
import SQLKit
import Synchronization
import Testing

@Suite struct TrackingCacheTests {
    func tracking(_ status: DossierStatus) -> PublicTracking {
        PublicTracking(code: "A-1", procedureName: "P", unitName: "U", status: status, initials: "A.", steps: [])
    }

    @Test func answersAreKeptForTheirLifetimeUnlessForgotten() async throws {
        let cache = TrackingCache(lifetime: 5, capacity: 100)
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        let loads = Mutex(0)
        func look(_ at: TimeInterval, _ status: DossierStatus?) async throws -> PublicTracking? {
            try await cache.value("A-1", now: t0.addingTimeInterval(at)) {
                loads.withLock { $0 += 1 }
                return status.map(tracking)
            }
        }
        // Unknown codes are remembered too: a crawler does not reach the database each time.
        #expect(try await look(0, nil) == nil)
        #expect(try await look(1, .accepted) == nil)
        #expect(try await look(6, .accepted)?.status == .accepted)
        #expect(try await look(7, .delivered)?.status == .accepted)
        cache.forget("A-1")
        #expect(try await look(8, .delivered)?.status == .delivered)
        #expect(loads.withLock { $0 } == 3)
        // Without a lifetime every lookup loads.
        let none = TrackingCache(lifetime: 0, capacity: 100)
        for _ in 0..<3 { _ = try await none.value("A-1") { loads.withLock { $0 += 1 }; return nil } }
        #expect(loads.withLock { $0 } == 6)
    }

    @Test func aFullCacheDropsWhatExpiredThenEverything() async throws {
        let cache = TrackingCache(lifetime: 5, capacity: 2)
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        _ = try await cache.value("A", now: t0) { nil }
        _ = try await cache.value("B", now: t0.addingTimeInterval(4)) { nil }
        // A has expired: it makes room for C; B is still kept.
        _ = try await cache.value("C", now: t0.addingTimeInterval(6)) { nil }
        var loaded = false
        _ = try await cache.value("B", now: t0.addingTimeInterval(7)) { loaded = true; return nil }
        #expect(!loaded)
    }

    /// The public tracking page answers from the cache: a change made behind the desk's back (here
    /// straight in the database) is not seen for the cache's lifetime, while a change made at the
    /// desk is seen at once, for the desk forgets the dossier's cached answer when it acts.
    @Test func trackingAnswersFromTheCacheUntilTheDeskActs() async throws {
        try await Harness.run(configure: { $0.trackingCacheSeconds = 300 }) { h in
            let officer = try await h.signIn("motcua.giahung")
            let centre = try await h.unit(code: "14551-TTHCC")
            let economy = try await h.unit(code: "14551-KT")
            let marriage = try #require(try await ProcedureStore(database: h.services.database).list(search: "1.000894").first)
            let ok = try await officer.post("/one-stop/intake", ["procedure": String(marriage.id), "unit": String(centre.id), "channel": "1",
                                                                 "name": "Phạm Thị Hoa", "id_number": "037190005678", "phone": "0912 000 111",
                                                                 "doc_0": "1", "doc_0_form": "original", "doc_0_qty": "1", "sets": "1"])
            let location = try #require(ok.headers[.location])
            let id = try #require(Int64(location.split(separator: "/").last!.split(separator: "?").first!))
            let code = try #require(try await DossierStore(database: h.services.database).get(id)).dossier.code
            let citizen = h.browser()
            func tracked() async throws -> String { try await citizen.get("/tra-cuu?ma=\(code)").text }
            #expect(try await tracked().contains("Đã tiếp nhận"))
            try await h.services.database.write { sql in
                try await sql.raw("UPDATE dossiers SET status = \(bind: DossierStatus.stopped.rawValue) WHERE id = \(bind: id)").run()
            }
            #expect(try await tracked().contains("Đã tiếp nhận"), "answered from the cache")
            try await h.services.database.write { sql in
                try await sql.raw("UPDATE dossiers SET status = \(bind: DossierStatus.accepted.rawValue) WHERE id = \(bind: id)").run()
            }
            #expect(try await officer.post("/one-stop/dossiers/\(id)/act", ["action": "transfer", "version": "1", "to_unit": String(economy.id)]).status == .seeOther)
            let after = try await tracked()
            #expect(after.contains("Đang xử lý") && !after.contains("Dừng xử lý"))
        }
    }
}
