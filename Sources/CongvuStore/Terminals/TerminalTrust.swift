import CongvuDomain
import CongvuTerminals
import Crypto
import Foundation
import SQLKit

/// What lets a terminal's requests count (issue 17): its Security PUSH registration, the address
/// it is pinned to, and the PINs it is known to hold.
extension TerminalStore {
    /// Records a Security PUSH registration: only a terminal not registered yet (or whose
    /// registration the office reset) takes a new code; anyone else asking is refused, so a
    /// second device with a copied serial cannot take over the terminal's session.
    public func register(serial: String, sealedCode: String, sessionID: String) async throws -> Bool {
        try await database.write { sql in
            try await sql.update("terminals").set("registry_sealed", to: sealedCode).set("session_id", to: sessionID)
                .where("serial", .equal, serial).where("registry_sealed", .equal, "").run()
            let row = try await sql.select().column("registry_sealed").from("terminals").where("serial", .equal, serial).first()
            return try row?.decode(column: "registry_sealed", as: String.self) == sealedCode
        }
    }

    /// Lets a terminal register again (it was reset, or replaced under the same serial), audited.
    public func resetRegistration(serial: String, by actor: Actor, reason: String) async throws {
        let reason = reason.tidied
        guard !reason.isEmpty else { throw ValidationErrors([FieldError("reason", "required")]) }
        let kind = database.kind
        try await database.write { sql in
            try await sql.update("terminals").set("registry_sealed", to: "").set("session_id", to: "").where("serial", .equal, serial).run()
            try await AuditLog.append(.init(action: .update, objectType: "terminal", objectID: serial, after: "{\"registration\":\"reset\"}",
                                            reason: reason), by: actor, in: sql, kind: kind)
        }
    }

    /// Pins a terminal to the address it now calls from (it moved, or its lease changed), audited.
    public func pin(serial: String, address: String, by actor: Actor, reason: String) async throws {
        let reason = reason.tidied
        var errors: [FieldError] = []
        if !AddressRange.isValid(address) { errors.append(FieldError("pinned_address", "invalid")) }
        if reason.isEmpty { errors.append(FieldError("reason", "required")) }
        if !errors.isEmpty { throw ValidationErrors(errors) }
        let kind = database.kind
        try await database.write { sql in
            try await sql.update("terminals").set("pinned_address", to: address).where("serial", .equal, serial).run()
            try await AuditLog.append(.init(action: .update, objectType: "terminal", objectID: serial,
                                            after: AuditJSON.encode(["pinned_address": address]), reason: reason), by: actor, in: sql, kind: kind)
        }
    }

    // MARK: Enrolments

    /// Where a terminal's knowledge of a PIN came from.
    public enum EnrolmentSource: String, Sendable { case command, device, office, history }

    /// Notes PINs a terminal holds: the server put them there, the terminal reported them, or
    /// the office accepted a punch of theirs.
    static func enrol(_ pins: [String], terminalID: Int64, source: EnrolmentSource, in sql: any SQLDatabase, now: Date) async throws {
        let pins = Array(Set(pins.filter { !$0.isEmpty }))
        guard !pins.isEmpty else { return }
        var insert = sql.insert(into: "terminal_enrolments").columns("terminal_id", "pin", "source", "first_at")
        for pin in pins { insert = insert.values(SQLBind(terminalID), SQLBind(String(pin.prefix(32))), SQLBind(source.rawValue), SQLBind(Instant.format(now))) }
        try await insert.ignoringConflicts(with: ["terminal_id", "pin"]).run()
    }

    /// The office vouches for a PIN on the terminal a punch came from (`terminal:<serial>`);
    /// nothing for a punch from another kind of device.
    static func enrol(_ pin: String, onDevice device: String, in sql: any SQLDatabase, now: Date) async throws {
        guard device.hasPrefix("terminal:"), !pin.isEmpty,
              let row = try await sql.select().column("id").from("terminals").where("serial", .equal, String(device.dropFirst(9))).first() else { return }
        try await enrol([pin], terminalID: try row.decode(column: "id", as: Int64.self), source: .office, in: sql, now: now)
    }

    public func enrol(_ pins: [String], terminalID: Int64, source: EnrolmentSource, now: Date = Date()) async throws {
        try await database.write { sql in try await TerminalStore.enrol(pins, terminalID: terminalID, source: source, in: sql, now: now) }
    }

    /// Which of `pins` the terminal is known to hold.
    public func enrolled(_ pins: [String], terminalID: Int64) async throws -> Set<String> {
        guard !pins.isEmpty else { return [] }
        return try await database.read { sql in
            var out = Set<String>()
            for chunk in stride(from: 0, to: pins.count, by: 500) {
                for row in try await sql.select().column("pin").from("terminal_enrolments").where("terminal_id", .equal, terminalID)
                    .where("pin", .in, SQLBind.group(Array(pins[chunk..<min(chunk + 500, pins.count)]))).all() {
                    out.insert(try row.decode(column: "pin", as: String.self))
                }
            }
            return out
        }
    }
}
