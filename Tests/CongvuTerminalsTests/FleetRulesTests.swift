import CongvuTerminals
import Foundation
import Testing

/// When an upload measures a terminal's clock.
@Suite struct FleetRulesTests {
    let now = Date(timeIntervalSince1970: 1_796_400_000)

    @Test func onlyARealtimeUploadMeasuresTheClock() {
        let tenMinutesBehind = now.addingTimeInterval(-600)
        // In use (an upload a minute ago): one or a few rows say how far behind the clock is.
        #expect(FleetRules.drift(newest: tenMinutesBehind, receivedAt: now, rows: 1, previousUpload: now.addingTimeInterval(-60)) == 600)
        #expect(FleetRules.drift(newest: now.addingTimeInterval(30), receivedAt: now, rows: 3, previousUpload: now.addingTimeInterval(-60)) == -30)
        // A backlog measures nothing: the first upload, a small batch after a night's silence, a big batch, rows over a day old.
        #expect(FleetRules.drift(newest: tenMinutesBehind, receivedAt: now, rows: 1, previousUpload: nil) == nil)
        #expect(FleetRules.drift(newest: now.addingTimeInterval(-17 * 3600), receivedAt: now, rows: 2, previousUpload: now.addingTimeInterval(-17 * 3600)) == nil)
        #expect(FleetRules.drift(newest: tenMinutesBehind, receivedAt: now, rows: 4, previousUpload: now.addingTimeInterval(-60)) == nil)
        #expect(FleetRules.drift(newest: now.addingTimeInterval(-2 * 86400), receivedAt: now, rows: 1, previousUpload: now.addingTimeInterval(-60)) == nil)
        #expect(FleetRules.drift(newest: tenMinutesBehind, receivedAt: now, rows: 1, previousUpload: now.addingTimeInterval(-FleetRules.realtimeGap - 1)) == nil)
    }
}
