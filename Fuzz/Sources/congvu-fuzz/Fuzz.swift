import CongvuDomain
import CongvuTerminals
import CongvuVideo
import Foundation

// One libFuzzer binary for every parser that reads outside input; CONGVU_FUZZ_TARGET picks which.
// A parser may refuse an input (throw, return nil); it must never trap, hang or crash.

enum FuzzTarget: String, CaseIterable {
    case zkteco, hikvision, multipart, form, csv, imports, mp4, onvif
}

nonisolated(unsafe) var target = FuzzTarget.zkteco
nonisolated(unsafe) var scratch = ""

@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>>>) -> CInt {
    let name = ProcessInfo.processInfo.environment["CONGVU_FUZZ_TARGET"] ?? ""
    guard let chosen = FuzzTarget(rawValue: name) else {
        FileHandle.standardError.write(Data("CONGVU_FUZZ_TARGET must be one of: \(FuzzTarget.allCases.map(\.rawValue).joined(separator: " "))\n".utf8))
        exit(2)
    }
    target = chosen
    scratch = NSTemporaryDirectory() + "congvu-fuzz-\(getpid()).mp4"
    return 0
}

/// libFuzzer's driver, given our entry point: SwiftPM names an executable's `main` after the
/// target (`congvu_fuzz_main`), so the binary starts here and hands over to libFuzzer.
@_silgen_name("LLVMFuzzerRunDriver")
func runDriver(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
               _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt) -> CInt

@_cdecl("congvu_fuzz_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return runDriver(&count, &arguments) { bytes, size in testOneInput(bytes, size) }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let data = Data(bytes: bytes, count: count)
    switch target {
    case .zkteco: zkteco(data)
    case .hikvision: hikvision(data)
    case .multipart: _ = try? Multipart.parts(data, boundary: "b0undary")
    case .form: form(data)
    case .csv: _ = try? CSV.parse(String(decoding: data, as: UTF8.self))
    case .imports: imports(data)
    case .mp4: mp4(data)
    case .onvif: onvif(data)
    }
    return 0
}

/// A terminal's request: the first line is the path and query, the rest the body, read by every
/// row parser the server applies to it.
func zkteco(_ data: Data) {
    let newline = data.firstIndex(of: 10) ?? data.endIndex
    let head = String(decoding: data[data.startIndex..<newline], as: UTF8.self)
    let body = newline < data.endIndex ? Data(data[data.index(after: newline)...]) : Data()
    let parts = head.split(separator: "?", maxSplits: 1)
    let push = PushRequest(method: "POST", path: parts.first.map(String.init) ?? "", rawQuery: parts.count > 1 ? String(parts[1]) : "", body: body)
    _ = (push.serialNumber, push.table, push.isHandshake, push.isSecurityPush)
    let text = PushText.decode(body)
    for line in PushText.lines(text) {
        _ = try? AttLogRow.parse(line)
        _ = try? RealtimeLogRow.parse(line)
        _ = try? OperLogRow.parse(line)
        _ = PushText.fields(line)
        _ = TerminalTime(line)
    }
    _ = CommandResult.parse(text)
    _ = DeviceInfo(text)
    _ = try? AttPhoto.parseCData(body)
    _ = try? AttPhoto.parseCData(body, base64: true)
    _ = try? AttPhoto.parseFData(query: push.query, body: body)
    _ = AttPhoto.parseName(head)
    _ = SecurityPush.token(cookieHeader: head)
}

func hikvision(_ data: Data) {
    _ = try? HikvisionEvent.parse(json: data, serialNumber: "FUZZ")
    _ = try? HikvisionEvent.parseMultipart(data, boundary: "MIME_boundary", serialNumber: "FUZZ")
    _ = HikvisionEvent.parseDate(String(decoding: data.prefix(64), as: UTF8.self))
}

/// A form body and the content type it came with (first line), read as multipart and as URL-encoded.
func form(_ data: Data) {
    let newline = data.firstIndex(of: 10) ?? data.endIndex
    let type = String(decoding: data[data.startIndex..<newline], as: UTF8.self)
    if let boundary = Multipart.boundary(contentType: type), newline < data.endIndex {
        _ = try? Multipart.parts(Data(data[data.index(after: newline)...]), boundary: boundary)
    }
    _ = FormURLEncoded.pairs(String(decoding: data, as: UTF8.self))
    _ = AddressRange.isValid(type)
    _ = AddressRange.contains(type, "10.0.5.17")
}

func imports(_ data: Data) {
    let text = String(decoding: data, as: UTF8.self)
    _ = try? CSV.records(text, aliases: ["ho ten": "full_name", "ma": "code"])
    _ = try? PeopleImport.parse(text, today: Day("2026-12-04")!)
    _ = try? UnitImport.parse(text)
    _ = try? ProcedureImport.parse(text)
    _ = try? DossierImport.parse(text, now: Date(timeIntervalSince1970: 1_796_000_000))
}

func mp4(_ data: Data) {
    for box in BoxReader.boxes(in: data) {
        let track = TrackInfo(moov: box)
        _ = FragmentInfo(moof: box, track: track)
        for child in box.children() { _ = child.children() }
    }
    // A recorded segment as the server reads it after a crash: from a file, by its box headers.
    _ = FileManager.default.createFile(atPath: scratch, contents: data)
    _ = try? SegmentFile(path: scratch)
}

func onvif(_ data: Data) {
    guard let root = XMLNode.parse(data) else { return }
    for name in ["Profiles", "Uri", "VideoEncoderConfiguration", "Name", "Fault"] {
        _ = root.first(name)?.text
        _ = root.all(name).map(\.attributes)
    }
}
