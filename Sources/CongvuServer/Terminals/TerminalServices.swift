import CongvuDomain
import CongvuStore
import CongvuTerminals
import Foundation
import Hummingbird
import NIOCore

/// The terminal fleet's stores: terminals with their journal and trust, commands, alerts.
@dynamicMemberLookup
public struct TerminalServices: FeatureServices {
    public let shared: SharedServices
    public let terminals: TerminalStore
    public let commands: CommandStore
    public let alerts: AlertStore

    init(shared: SharedServices) {
        self.shared = shared
        terminals = TerminalStore(database: shared.database)
        commands = CommandStore(database: shared.database)
        alerts = AlertStore(database: shared.database)
    }

    /// Whether a request in an approved terminal's name comes from elsewhere than its pinned
    /// address (or range): then it is held, and the terminal's alert raised once a day per address.
    /// For every vendor (ZKTeco and Hikvision alike).
    func moved(_ terminal: Terminal, address: String, now: Date) async throws -> Bool {
        guard terminal.status != .pending, !terminal.admits(address: address) else { return false }
        try await alerts.raise(
            [NewTerminalAlert(kind: .addressChanged, occurredAt: now, detail: "\(terminal.pinnedAddress) → \(address)",
                              dedupe: "address:\(terminal.serial):\(address):\(Day(now, in: CivilTime.vietnam))")], terminalID: terminal.id, now: now)
        return true
    }

    /// A terminal request's body, read up to what its serial may send: a new serial is admitted a
    /// few per address and hour (nil: refused, counted for the office); a terminal not yet approved
    /// sends small bodies only (`tooLarge`: refused after it is noted as pending, so the office sees it).
    func admittedBody(_ request: Request, serial: String, address: String, now: Date) async throws -> (data: Data, tooLarge: Bool)? {
        let limits = TerminalStore.FirstContactLimits(perAddressPerHour: shared.config.terminalFirstContactsPerHour)
        guard try await terminals.admit(serial: serial, address: address, limits: limits, now: now) else { return nil }
        let approved = try await terminals.get(serial: serial)?.status == .approved
        do {
            let limit = approved ? TerminalController.bodyLimit : TerminalController.unapprovedBodyLimit
            return (Data(try await request.body.collect(upTo: limit).readableBytesView), false)
        } catch is NIOTooManyBytesError {
            return (Data(), true)
        }
    }
}
