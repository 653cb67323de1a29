import SQLKit
import Synchronization

/// A statement of one fixed shape whose values alone change from call to call, serialised by
/// SQLKit once per dialect and its text kept. Serialising a builder walks every column, alias and
/// identifier (each quoted and escaped) on every call: for a short indexed query that is more of
/// the server's CPU than the rows it reads (PERFORMANCE.md, tasks run 8). For the hot statements
/// (a session's or a token's principal, a person's tasks); everything else is clearer as an ordinary builder.
///
/// `build` makes the statement with `slot(i)` where the call's i-th value goes; a bind written
/// in `build` itself stays as it is, the same for every call (so keep the statement in a `static
/// let`, where no call's values can reach it: a helper that binds a value, like `heldOn(day)`,
/// does not belong in one). A kept statement must be the whole statement it is run as.
///
///     static let byOwner = KeptStatement { sql, slot in
///         sql.select().column("*").from("tasks").where("owner_id", .equal, slot(0))
///     }
///     let rows = try await Self.byOwner.all(on: sql, personID)
public final class KeptStatement: Sendable {
    public typealias Slot = @Sendable (Int) -> any SQLExpression
    private let build: @Sendable (any SQLDatabase, Slot) -> any SQLExpression
    /// The text by dialect name, with what each of its placeholders stands for, in order.
    private let texts = Mutex<[String: Text]>([:])

    public init(_ build: @escaping @Sendable (any SQLDatabase, Slot) -> any SQLExpression) {
        self.build = build
    }

    struct Text: Sendable {
        let sql: String
        let binds: [Bound]
    }

    enum Bound: Sendable {
        case slot(Int)
        case fixed(any Encodable & Sendable)
    }

    /// What a slot is while the text is made: its number, found again among the serialised binds.
    struct Marker: Encodable, Sendable {
        let index: Int
    }

    /// The statement with `values` in its slots, ready to run on `sql`.
    public func filled(_ sql: any SQLDatabase, _ values: [any Encodable & Sendable]) -> any SQLExpression {
        Filled(text: text(for: sql), values: values, statement: self)
    }

    public func all(on sql: any SQLDatabase, _ values: any Encodable & Sendable...) async throws -> [any SQLRow] {
        try await sql.raw("\(filled(sql, values))").all()
    }

    public func first(on sql: any SQLDatabase, _ values: any Encodable & Sendable...) async throws -> (any SQLRow)? {
        try await sql.raw("\(filled(sql, values))").first()
    }

    func text(for sql: any SQLDatabase) -> Text {
        let dialect = sql.dialect.name
        if let kept = texts.withLock({ $0[dialect] }) { return kept }
        let (text, binds) = sql.serialize(build(sql) { SQLBind(Marker(index: $0)) })
        let made = Text(sql: text, binds: binds.map { ($0 as? Marker).map { .slot($0.index) } ?? .fixed($0) })
        texts.withLock { $0[dialect] = made }
        return made
    }

    /// The kept text and this call's values. Inside another statement (placeholders numbered
    /// after that statement's own) it is serialised afresh from the builder instead.
    struct Filled: SQLExpression {
        let text: Text
        let values: [any Encodable & Sendable]
        let statement: KeptStatement

        func serialize(to serializer: inout SQLSerializer) {
            guard serializer.sql.isEmpty, serializer.binds.isEmpty else {
                statement.build(serializer.database) { SQLBind(values[$0]) }.serialize(to: &serializer)
                return
            }
            serializer.write(text.sql)
            serializer.binds.reserveCapacity(text.binds.count)
            for bound in text.binds {
                switch bound {
                case .slot(let i): serializer.binds.append(values[i])
                case .fixed(let value): serializer.binds.append(value)
                }
            }
        }
    }
}
