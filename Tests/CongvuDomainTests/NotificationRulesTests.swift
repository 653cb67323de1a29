import CongvuDomain
import Foundation
import Testing

/// Issue 20's rules: routing one notification to one person, quiet hours, digests, retries, keys.
@Suite struct NotificationRulesTests {
    let at = { (text: String) in Instant.parseLocal(text)! }

    @Test func everyKindHasARuleAndUrgentKindsAreNeverDigestOnly() {
        for kind in NotificationKind.allCases {
            #expect(!(kind.rule.urgent && kind.rule.digestOnly), "\(kind)")
            #expect(!kind.rule.channels.contains(.inbox), "the inbox is added for everyone, not chosen")
            #expect(NotificationKind(rawValue: kind.rawValue) == kind)
        }
        #expect(NotificationKind.lateToday.rule.digestOnly && NotificationKind.absentWithoutNotice.rule.digestOnly)
        #expect(NotificationKind.terminalTamper.rule.urgent)
    }

    @Test func whatGoesToACitizensAddressIsSentAtOnceOnItsChannelAlone() {
        let now = at("2026-12-07 23:30")
        let r = NotificationRouting.addressed(.email, at: now)
        #expect(r.deliveries.map(\.channel) == [.email] && r.deliveries.map(\.notBefore) == [now] && !r.digested, "no inbox, no quiet hours, no digest")
        #expect(NotificationKind.allCases.filter(\.toCitizens) == [.feedbackAnswer])
        #expect(NotificationKind.feedbackAnswer.fields == ["unit", "code", "answer"])
    }

    @Test func aNotificationGoesToTheInboxAndToConfirmedChosenChannels() {
        let now = at("2026-12-07 09:00")
        let r = NotificationRouting.route(.taskAssigned, preferences: .init(), verified: [.telegram, .email], at: now)
        #expect(!r.digested)
        #expect(r.deliveries.map(\.channel) == [.inbox, .telegram], "email is not a default for a task; zalo and web push are not confirmed")
        #expect(r.deliveries.allSatisfy { $0.notBefore == now })

        var mine = NotificationPreferences()
        mine.channels[.taskAssigned] = [.email]
        let chosen = NotificationRouting.route(.taskAssigned, preferences: mine, verified: [.telegram, .email], at: now)
        #expect(chosen.deliveries.map(\.channel) == [.inbox, .email])
        mine.channels[.taskAssigned] = []
        #expect(NotificationRouting.route(.taskAssigned, preferences: mine, verified: [.telegram, .email], at: now).deliveries.map(\.channel) == [.inbox],
                "a person who wants nothing outside the app still has the inbox")
    }

    @Test func quietHoursHoldMessagesUntilTheyEndExceptUrgentOnes() throws {
        let quiet: QuietHours = try #require(QuietHours(start: 22 * 60, end: 6 * 60 + 30))
        let prefs = NotificationPreferences(quietHours: quiet)
        let night = at("2026-12-07 23:10")
        let held = NotificationRouting.route(.taskOverdue, preferences: prefs, verified: [.zalo], at: night)
        #expect(held.deliveries.first { $0.channel == .inbox }?.notBefore == night, "the inbox shows it at once")
        #expect(held.deliveries.first { $0.channel == .zalo }?.notBefore == at("2026-12-08 06:30"))
        let early = at("2026-12-08 05:59")
        #expect(NotificationRouting.route(.taskOverdue, preferences: prefs, verified: [.zalo], at: early).deliveries.last?.notBefore == at("2026-12-08 06:30"))
        let awake = at("2026-12-08 06:30")
        #expect(NotificationRouting.route(.taskOverdue, preferences: prefs, verified: [.zalo], at: awake).deliveries.last?.notBefore == awake)
        let tamper = NotificationRouting.route(.terminalTamper, preferences: prefs, verified: [.zalo], at: night)
        #expect(tamper.deliveries.allSatisfy { $0.notBefore == night }, "an opened terminal wakes the leader")

        let day = try #require(QuietHours(start: 12 * 60, end: 13 * 60 + 30))
        #expect(day.contains(at("2026-12-07 12:00")) && !day.contains(at("2026-12-07 13:30")) && !day.contains(at("2026-12-07 11:59")))
        #expect(QuietHours(start: 600, end: 600) == nil && QuietHours(start: -1, end: 60) == nil && QuietHours(start: 0, end: 1440) == nil)
    }

    @Test func leadersWhoTakeDigestsGetOnlyUrgentKindsOneByOne() {
        let now = at("2026-12-07 10:00")
        let leader = NotificationPreferences.leader
        #expect(leader.dailyDigest == 8 * 60 + 15)
        let overdueTask = NotificationRouting.route(.taskOverdue, preferences: leader, verified: [.zalo], at: now)
        #expect(overdueTask.digested && overdueTask.deliveries.map(\.channel) == [.inbox])
        let lateDossier = NotificationRouting.route(.dossierOverdue, preferences: leader, verified: [.zalo], at: now)
        #expect(!lateDossier.digested && lateDossier.deliveries.map(\.channel) == [.inbox, .zalo])
        let late = NotificationRouting.route(.lateToday, preferences: .init(), verified: [.zalo, .telegram], at: now)
        #expect(late.digested && late.deliveries.map(\.channel) == [.inbox], "late arrivals are never sent one by one")
    }

    @Test func digestsFallDueOnTheVietnameseClock() throws {
        let morning = 8 * 60 + 15
        #expect(DigestSchedule.nextDaily(minute: morning, after: at("2026-12-07 07:00")) == at("2026-12-07 08:15"))
        #expect(DigestSchedule.nextDaily(minute: morning, after: at("2026-12-07 08:15")) == at("2026-12-08 08:15"), "strictly after: not twice")
        #expect(DigestSchedule.nextDaily(minute: morning, after: at("2026-12-31 23:59")) == at("2027-01-01 08:15"))
        // 08:15 in Hanoi is 01:15 UTC.
        #expect(Instant.format(DigestSchedule.nextDaily(minute: morning, after: at("2026-12-07 07:00"))) == "2026-12-07T01:15:00.000Z")
        let monday = try #require(NotificationPreferences.WeeklySlot(weekday: 1, minute: 7 * 60 + 30))
        #expect(DigestSchedule.nextWeekly(monday, after: at("2026-12-04 16:00")) == at("2026-12-07 07:30"))  // a Friday
        #expect(DigestSchedule.nextWeekly(monday, after: at("2026-12-07 07:30")) == at("2026-12-14 07:30"))
        #expect(DigestSchedule.nextWeekly(monday, after: at("2026-12-07 07:29")) == at("2026-12-07 07:30"))
        #expect(NotificationPreferences.WeeklySlot(weekday: 7, minute: 0) == nil)
    }

    @Test func failedDeliveriesWaitLongerEachTimeAndEnd() {
        let policy = RetryPolicy()
        let t = at("2026-12-07 09:00")
        #expect(policy.next(afterFailures: 1, at: t, permanent: false) == t.addingTimeInterval(30))
        #expect(policy.next(afterFailures: 2, at: t, permanent: false) == t.addingTimeInterval(60))
        #expect(policy.next(afterFailures: 7, at: t, permanent: false) == t.addingTimeInterval(1920))
        #expect(RetryPolicy(attempts: 20).next(afterFailures: 12, at: t, permanent: false) == t.addingTimeInterval(3600), "never more than an hour")
        #expect(policy.next(afterFailures: 8, at: t, permanent: false) == nil, "eight attempts in all")
        #expect(policy.next(afterFailures: 1, at: t, permanent: true) == nil, "a refused address is not tried again")
    }

    @Test func keysNameOneNotificationPerKindRecordAndOccasion() {
        let a = NotificationKey(.taskOverdue, recordType: "task", recordID: 42, occasion: "2026-12-07")
        #expect(a.description == "task_overdue:task:42:2026-12-07")
        #expect(a == NotificationKey(.taskOverdue, recordType: "task", recordID: 42, occasion: "2026-12-07"))
        #expect(a != NotificationKey(.taskOverdue, recordType: "task", recordID: 42, occasion: "2026-12-08"))
        #expect(NotificationKey(.taskAssigned, recordType: "task", recordID: 42).description == "task_assigned:task:42")
    }
}

/// Addresses outside the app: what each channel accepts, and the codes that prove them.
@Suite struct NotificationAddressRulesTests {
    @Test func addressesAreNormalisedOrRefused() {
        #expect(AddressRules.normalise(" Lan.NT@GiaHung.gov.vn ", for: .email) == "lan.nt@giahung.gov.vn")
        for bad in ["lan", "lan@", "@giahung.vn", "lan@giahung", "lan@@giahung.vn", "lan@.giahung.vn", "lan..nt@giahung.vn",
                    "lan@giahung.vn\r\nBcc: x@y.vn", "Lan <lan@giahung.vn>", "lân@giahung.vn", "lan@gia hung.vn"] {
            #expect(AddressRules.normalise(bad, for: .email) == nil, "\(bad)")
        }
        #expect(AddressRules.normalise("-100123456", for: .telegram) == "-100123456", "a group chat")
        #expect(AddressRules.normalise("12ab", for: .telegram) == nil && AddressRules.normalise("0", for: .telegram) == nil)
        #expect(AddressRules.normalise("8810012345678", for: .zalo) == "8810012345678" && AddressRules.normalise("88x", for: .zalo) == nil)
        #expect(AddressRules.normalise("https://fcm.googleapis.com/fcm/send/abc", for: .webPush) != nil)
        #expect(AddressRules.normalise("push.example/abc", for: .webPush) == nil && AddressRules.normalise("ftp://push.example/a", for: .webPush) == nil)
        // Only the browsers' push services (or what the configuration adds): the server posts nowhere else.
        #expect(AddressRules.isPushService("https://fcm.googleapis.com/fcm/send/abc:def"))
        #expect(AddressRules.isPushService("https://updates.push.services.mozilla.com/wpush/v2/gAAA"))
        #expect(AddressRules.isPushService("https://web.push.apple.com/QGx"))
        #expect(AddressRules.isPushService("https://wns2-par02p.notify.windows.com/w/?token=x"))
        for bad in ["https://fcm.googleapis.com.evil.example/fcm", "http://fcm.googleapis.com/fcm/send/a", "https://10.0.0.5/push",
                    "https://notify.windows.com.evil/x", "https://fcm.googleapis.com:8443/fcm", "http://127.0.0.1:9000/push/1"] {
            #expect(!AddressRules.isPushService(bad), "\(bad)")
        }
        #expect(AddressRules.isPushService("http://127.0.0.1:9000/push/1", extra: ["http://127.0.0.1:9000/push/"]))
        #expect(!AddressRules.isPushService("http://127.0.0.1:9001/push/1", extra: ["http://127.0.0.1:9000/push/"]))
        #expect(AddressRules.normalise("anything", for: .inbox) == nil)
    }

    @Test func codesAreReadableAndFoundInWhatPeopleSendTheBot() {
        var g = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let typed = AddressRules.typedCode(using: &g)
            #expect(typed.count == 6 && typed.allSatisfy(\.isNumber))
            let chat = AddressRules.chatCode(using: &g)
            #expect(chat.count == 8 && !chat.contains("O") && !chat.contains("0") && !chat.contains("I") && !chat.contains("1"))
            #expect(AddressRules.code(inChatMessage: "/start \(chat)") == chat)
        }
        #expect(AddressRules.code(inChatMessage: "  ab3defgh ") == "AB3DEFGH")
        #expect(AddressRules.code(inChatMessage: "/start") == nil && AddressRules.code(inChatMessage: "xin chào anh") == nil)
        #expect(AddressRules.code(inChatMessage: "/start AB3DEFGH extra") == nil && AddressRules.code(inChatMessage: "AB3DEFG") == nil)
        #expect(AddressRules.proof(.email) == .codeToAddress && AddressRules.proof(.telegram) == .codeFromChat
                && AddressRules.proof(.webPush) == .browser && AddressRules.proof(.inbox) == nil)
    }

    @Test func choicesAreStoredAsTheSameTextForTheSameChoices() throws {
        var a = NotificationPreferences(quietHours: QuietHours(start: 1320, end: 390), dailyDigest: 495)
        a.channels[.taskAssigned] = [.zalo, .email, .telegram]
        a.channels[.taskOverdue] = []
        let text = AuditJSON.encode(a)
        #expect(text == #"{"channels":{"task_assigned":["email","zalo","telegram"],"task_overdue":[]},"daily_digest":495,"quiet_hours":{"end":390,"start":1320}}"#)
        #expect(try JSONDecoder().decode(NotificationPreferences.self, from: Data(text.utf8)) == a)
        let old = #"{"channels":{"task_assigned":["email","fax"],"gone_kind":["zalo"]}}"#
        #expect(try JSONDecoder().decode(NotificationPreferences.self, from: Data(old.utf8)).channels == [.taskAssigned: [.email]])
    }
}

/// Leaders' digests: when they fall due, and that they are sent even to those who take digests.
@Suite struct DigestRulesTests {
    let at = { (text: String) in Instant.parseLocal(text)! }

    @Test func aDigestIsDueFromItsTimeForSixHours() throws {
        #expect(DigestSchedule.dueDaily(minute: 495, at: at("2026-12-07 08:14")) == nil)
        #expect(DigestSchedule.dueDaily(minute: 495, at: at("2026-12-07 08:15")) == Day("2026-12-07"))
        #expect(DigestSchedule.dueDaily(minute: 495, at: at("2026-12-07 14:14")) == Day("2026-12-07"), "a server back at two still sends it")
        #expect(DigestSchedule.dueDaily(minute: 495, at: at("2026-12-07 14:15")) == nil, "not in the evening")
        let monday = try #require(NotificationPreferences.WeeklySlot(weekday: 1, minute: 7 * 60))
        #expect(DigestSchedule.dueWeekly(monday, at: at("2026-12-07 07:30")) == Day("2026-12-07"), "7 December 2026 is a Monday")
        #expect(DigestSchedule.dueWeekly(monday, at: at("2026-12-08 07:30")) == nil)
        #expect(DigestSchedule.dueWeekly(monday, at: at("2026-12-07 06:59")) == nil)
    }

    @Test func digestsAreSentEvenToThoseWhoTakeDigests() {
        let now = at("2026-12-07 08:15")
        let daily = NotificationRouting.route(.dailyDigest, preferences: .leader, verified: [.telegram], at: now)
        #expect(!daily.digested && daily.deliveries.map(\.channel) == [.inbox, .telegram])
        #expect(NotificationKind.dailyDigest.isDigest && NotificationKind.weeklyDigest.isDigest && !NotificationKind.taskOverdue.isDigest)
        #expect(NotificationRouting.route(.taskOverdue, preferences: .leader, verified: [.telegram], at: now).digested)
    }
}

@Suite struct NotificationAudienceTests {
    typealias H = NotificationAudience.Holder
    // A province /1/ with commune /1/5/, its office /1/5/7/ and a second commune /1/6/.
    let holders = [H(personID: 1, unitPath: "/1/"), H(personID: 2, unitPath: "/1/5/"), H(personID: 3, unitPath: "/1/5/"),
                   H(personID: 4, unitPath: "/1/6/"), H(personID: 5, unitPath: "/1/5/7/")]

    @Test func theNearestLevelHearsNotEveryoneAbove() {
        #expect(NotificationAudience.nearest(holders, covering: ["/1/5/9/"]) == [2, 3])
        #expect(NotificationAudience.nearest(holders, covering: ["/1/5/7/"]) == [5])
        #expect(NotificationAudience.nearest(holders, covering: ["/1/8/"]) == [1], "nobody in the commune: passed up")
        #expect(NotificationAudience.nearest(holders, covering: ["/1/5/7/"], except: 5) == [2, 3], "the person concerned is skipped: the level above hears")
        #expect(NotificationAudience.nearest(holders, covering: ["/2/"]).isEmpty)
        #expect(NotificationAudience.nearest(holders, covering: ["/1/6/", "/1/5/9/"]) == [2, 3, 4], "posts in two communes: both communes")
        #expect(NotificationAudience.nearest(holders, covering: ["/1/6/", "/1/5/7/"]) == [5], "the deeper of two levels")
    }

    @Test func aLeadersOwnNoticeGoesToTheLevelAbove() {
        // Person 2 leads the commune: its leaders (2, 3) may not decide for him; the province (1) does.
        #expect(NotificationAudience.deciders(holders, personID: 2, personUnitPaths: ["/1/5/"], personLeaderPaths: ["/1/5/"]) == [1])
        // A clerk of the office /1/5/7/ with leader 5 there.
        #expect(NotificationAudience.deciders(holders, personID: 9, personUnitPaths: ["/1/5/7/"], personLeaderPaths: []) == [5])
        // The deciders are exactly those AbsenceRules allows, at the nearest level.
        for person in [2, 9] as [Int64] {
            let paths = person == 2 ? ["/1/5/"] : ["/1/5/7/"], leads = person == 2 ? ["/1/5/"] : []
            for id in NotificationAudience.deciders(holders, personID: person, personUnitPaths: paths, personLeaderPaths: leads) {
                let grants = holders.filter { $0.personID == id }.map { Grant(role: .leader, unitID: 0, unitPath: $0.unitPath) }
                #expect(AbsenceRules.mayDecide(Principal(userID: id, username: "", displayName: "", personID: id, grants: grants),
                                               personID: person, personUnitPaths: paths, personLeaderPaths: leads))
            }
        }
    }
}

@Suite struct PacerTests {
    let t0 = Date(timeIntervalSince1970: 1_764_900_000)

    @Test func aBurstGoesAtOnceThenOneSlotPerInterval() {
        var p = Pacer(perSecond: 25, burst: 3)
        let slots = (0..<6).map { _ in p.slot(at: t0).timeIntervalSince(t0) }
        #expect(slots.map { ($0 * 1000).rounded() } == [0, 0, 0, 40, 80, 120])
    }

    @Test func aQuietSpellRefillsTheBurstButNeverMore() {
        var p = Pacer(perSecond: 10, burst: 2)
        _ = (0..<4).map { _ in p.slot(at: t0) }
        // Ten seconds later: two at once again, not a hundred.
        let later = t0.addingTimeInterval(10)
        let slots = (0..<3).map { _ in p.slot(at: later).timeIntervalSince(later) }
        #expect(slots.map { ($0 * 1000).rounded() } == [0, 0, 100])
    }

    @Test func oneAtATimeKeepsTheRateExactly() {
        var p = Pacer(perSecond: 2)
        #expect(p.slot(at: t0) == t0)
        #expect(p.slot(at: t0) == t0.addingTimeInterval(0.5))
        #expect(p.slot(at: t0.addingTimeInterval(0.2)) == t0.addingTimeInterval(1), "asked later, still after the last slot")
        #expect(p.slot(at: t0.addingTimeInterval(5)) == t0.addingTimeInterval(5))
    }
}
