import Foundation

/// JSON written straight into bytes, keys in the order a value encodes them (declaration order for
/// synthesized `Encodable`): for answers whose keys are declared in snake_case (`SnakeCaseKeyed`),
/// the long lists. Foundation's encoder builds a dictionary per object, hashes and sorts its keys;
/// on a board of 155 tasks that was a third of the server's time under load (perf, issue 19).
///
/// It writes what Foundation's default strategies would, in another key order; what it does not
/// handle the same way (nested containers, super encoders, dates, data, URLs, decimals, non-finite
/// numbers) throws `Unsupported`, and the caller writes the value with Foundation instead.
enum StreamingJSON {
    struct Unsupported: Error {}

    static func encode(_ value: some Encodable) throws -> Data {
        let out = Output()
        try Writer(out).write(value)
        guard !out.unsupported else { throw Unsupported() }
        return Data(out.bytes)
    }

    final class Output {
        // One writer per answer, on one task: no exclusivity checks on every byte.
        @exclusivity(unchecked) var bytes: [UInt8] = []
        /// Set by what cannot be written in a stream (a nested container, a super encoder), even left empty.
        var unsupported = false
        init() { bytes.reserveCapacity(16 * 1024) }

        func string(_ s: String) {
            var s = s
            // One pass over the text's bytes: runs that need no escaping (most texts, whole) are
            // copied as they are.
            s.withUTF8 { utf8 in
                bytes.append(34)
                var run = 0
                for i in utf8.indices {
                    let b = utf8[i]
                    guard b < 32 || b == 34 || b == 92 else { continue }
                    bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[run..<i]))
                    switch b {
                    case 34: bytes.append(contentsOf: [92, 34])
                    case 92: bytes.append(contentsOf: [92, 92])
                    case 10: bytes.append(contentsOf: [92, 110])
                    case 13: bytes.append(contentsOf: [92, 114])
                    case 9: bytes.append(contentsOf: [92, 116])
                    case 8: bytes.append(contentsOf: [92, 98])
                    case 12: bytes.append(contentsOf: [92, 102])
                    default: bytes.append(contentsOf: [92, 117, 48, 48, Self.hex[Int(b >> 4)], Self.hex[Int(b & 15)]])
                    }
                    run = i + 1
                }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[run...]))
                bytes.append(34)
            }
        }

        static let hex = Array("0123456789abcdef".utf8)

        func raw(_ s: String) { bytes.append(contentsOf: s.utf8) }

        func double(_ d: Double) throws {
            guard d.isFinite else { throw Unsupported() }
            // Foundation writes whole numbers without a fraction.
            if d == d.rounded(), abs(d) < 1e15 { raw(String(Int64(d))) } else { raw(String(d)) }
        }
    }

    /// Encodes one value: opens at most one container, closed by `finish`.
    final class Writer: Encoder {
        enum Opened { case none, keyed, unkeyed, single }
        let out: Output
        @exclusivity(unchecked) var opened = Opened.none
        @exclusivity(unchecked) var count = 0
        var codingPath: [any CodingKey] { [] }
        var userInfo: [CodingUserInfoKey: Any] { [:] }

        init(_ out: Output) { self.out = out }

        func write<T: Encodable>(_ value: T) throws {
            if T.self == Date.self || T.self == Data.self || T.self == URL.self || T.self == Decimal.self { throw Unsupported() }
            try value.encode(to: self)
            finish()
        }

        func finish() {
            switch opened {
            case .none: out.raw("{}")
            case .keyed: out.bytes.append(125)
            case .unkeyed: out.bytes.append(93)
            case .single: break
            }
        }

        /// A comma before every element but the first.
        func next() {
            if count > 0 { out.bytes.append(44) }
            count += 1
        }

        func child<T: Encodable>(_ value: T) throws { try Writer(out).write(value) }

        /// Marks the answer as not streamable and hands out a writer whose bytes are thrown away.
        func refuse() -> Writer {
            out.unsupported = true
            return Writer(Output())
        }

        func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
            if opened == .none { opened = .keyed; out.bytes.append(123) }
            return KeyedEncodingContainer(Keyed<Key>(writer: self))
        }

        func unkeyedContainer() -> any UnkeyedEncodingContainer {
            if opened == .none { opened = .unkeyed; out.bytes.append(91) }
            return Unkeyed(writer: self)
        }

        func singleValueContainer() -> any SingleValueEncodingContainer {
            if opened == .none { opened = .single }
            return Single(writer: self)
        }
    }

    struct Keyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let writer: Writer
        var codingPath: [any CodingKey] { [] }

        func key(_ key: Key) throws {
            guard writer.opened == .keyed else { throw Unsupported() }
            writer.next()
            writer.out.string(key.stringValue)
            writer.out.bytes.append(58)
        }

        mutating func encodeNil(forKey key: Key) throws { try self.key(key); writer.out.raw("null") }
        mutating func encode(_ value: Bool, forKey key: Key) throws { try self.key(key); writer.out.raw(value ? "true" : "false") }
        mutating func encode(_ value: String, forKey key: Key) throws { try self.key(key); writer.out.string(value) }
        mutating func encode(_ value: Double, forKey key: Key) throws { try self.key(key); try writer.out.double(value) }
        mutating func encode(_ value: Float, forKey key: Key) throws { try self.key(key); try writer.out.double(Double(value)) }
        mutating func encode(_ value: Int, forKey key: Key) throws { try self.key(key); writer.out.raw(String(value)) }
        mutating func encode(_ value: Int8, forKey key: Key) throws { try self.key(key); writer.out.raw(String(value)) }
        mutating func encode(_ value: Int16, forKey key: Key) throws { try self.key(key); writer.out.raw(String(value)) }
        mutating func encode(_ value: Int32, forKey key: Key) throws { try self.key(key); writer.out.raw(String(value)) }
        mutating func encode(_ value: Int64, forKey key: Key) throws { try self.key(key); writer.out.raw(String(value)) }
        mutating func encode(_ value: UInt, forKey key: Key) throws { try self.key(key); writer.out.raw(String(value)) }
        mutating func encode(_ value: UInt8, forKey key: Key) throws { try self.key(key); writer.out.raw(String(value)) }
        mutating func encode(_ value: UInt16, forKey key: Key) throws { try self.key(key); writer.out.raw(String(value)) }
        mutating func encode(_ value: UInt32, forKey key: Key) throws { try self.key(key); writer.out.raw(String(value)) }
        mutating func encode(_ value: UInt64, forKey key: Key) throws { try self.key(key); writer.out.raw(String(value)) }
        mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws { try self.key(key); try writer.child(value) }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
            writer.refuse().container(keyedBy: keyType)
        }
        mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer { writer.refuse().unkeyedContainer() }
        mutating func superEncoder() -> any Encoder { writer.refuse() }
        mutating func superEncoder(forKey key: Key) -> any Encoder { writer.refuse() }
    }

    struct Unkeyed: UnkeyedEncodingContainer {
        let writer: Writer
        var codingPath: [any CodingKey] { [] }
        var count: Int { writer.count }

        func element() throws {
            guard writer.opened == .unkeyed else { throw Unsupported() }
            writer.next()
        }

        mutating func encodeNil() throws { try element(); writer.out.raw("null") }
        mutating func encode(_ value: Bool) throws { try element(); writer.out.raw(value ? "true" : "false") }
        mutating func encode(_ value: String) throws { try element(); writer.out.string(value) }
        mutating func encode(_ value: Double) throws { try element(); try writer.out.double(value) }
        mutating func encode(_ value: Int) throws { try element(); writer.out.raw(String(value)) }
        mutating func encode(_ value: Int64) throws { try element(); writer.out.raw(String(value)) }
        mutating func encode<T: Encodable>(_ value: T) throws { try element(); try writer.child(value) }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
            writer.refuse().container(keyedBy: keyType)
        }
        mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer { writer.refuse().unkeyedContainer() }
        mutating func superEncoder() -> any Encoder { writer.refuse() }
    }

    struct Single: SingleValueEncodingContainer {
        let writer: Writer
        var codingPath: [any CodingKey] { [] }

        func once() throws {
            guard writer.opened == .single, writer.count == 0 else { throw Unsupported() }
            writer.count = 1
        }

        mutating func encodeNil() throws { try once(); writer.out.raw("null") }
        mutating func encode(_ value: Bool) throws { try once(); writer.out.raw(value ? "true" : "false") }
        mutating func encode(_ value: String) throws { try once(); writer.out.string(value) }
        mutating func encode(_ value: Double) throws { try once(); try writer.out.double(value) }
        mutating func encode(_ value: Float) throws { try once(); try writer.out.double(Double(value)) }
        mutating func encode(_ value: Int) throws { try once(); writer.out.raw(String(value)) }
        mutating func encode(_ value: Int8) throws { try once(); writer.out.raw(String(value)) }
        mutating func encode(_ value: Int16) throws { try once(); writer.out.raw(String(value)) }
        mutating func encode(_ value: Int32) throws { try once(); writer.out.raw(String(value)) }
        mutating func encode(_ value: Int64) throws { try once(); writer.out.raw(String(value)) }
        mutating func encode(_ value: UInt) throws { try once(); writer.out.raw(String(value)) }
        mutating func encode(_ value: UInt8) throws { try once(); writer.out.raw(String(value)) }
        mutating func encode(_ value: UInt16) throws { try once(); writer.out.raw(String(value)) }
        mutating func encode(_ value: UInt32) throws { try once(); writer.out.raw(String(value)) }
        mutating func encode(_ value: UInt64) throws { try once(); writer.out.raw(String(value)) }
        mutating func encode<T: Encodable>(_ value: T) throws { try once(); try writer.child(value) }
    }
}
