import AsyncHTTPClient
import CongvuDomain
import Foundation
import Testing
@testable import CongvuVideo

@Suite("Playback descriptions, byte ranges, clip lists")
struct PlaybackTests {
    @Test("The HLS playlist points into the segment files: map, byte ranges, a discontinuity between files")
    func playlist() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("congvu-hls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try fixture("segment.mp4").write(to: dir.appendingPathComponent("a.mp4"))
        let file = try SegmentFile(path: dir.appendingPathComponent("a.mp4").path)
        let t0 = Date(timeIntervalSince1970: 1_795_421_700)
        let text = HLSPlaylist.make([PlaybackFile(name: "20261123T081500Z.mp4", start: t0, file: file),
                                     PlaybackFile(name: "20261123T081600Z.mp4", start: t0 + 60, file: file)]) { "/cameras/3/segments/\($0)" }
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.first == "#EXTM3U" && lines.contains("#EXT-X-VERSION:7") && lines.last == "#EXT-X-ENDLIST")
        #expect(lines.filter { $0 == "#EXT-X-DISCONTINUITY" }.count == 1)
        #expect(lines.contains("#EXT-X-MAP:URI=\"/cameras/3/segments/20261123T081500Z.mp4\",BYTERANGE=\"\(file.initRange.count)@0\""))
        #expect(lines.contains("#EXT-X-BYTERANGE:\(file.fragments[0].length)@\(file.fragments[0].offset)"))
        #expect(lines.contains("#EXT-X-PROGRAM-DATE-TIME:2026-11-23T08:15:00.000Z"))
        #expect(lines.filter { $0.hasPrefix("#EXTINF:1.000,") }.count == 4)
        #expect(lines.contains("#EXT-X-TARGETDURATION:1"))
    }

    @Test("Range headers: a single satisfiable range, clamped; anything else is no range")
    func ranges() {
        #expect(ByteRange(header: "bytes=0-99", size: 1000) == ByteRange(header: "bytes=0-99", size: 1000))
        #expect(ByteRange(header: "bytes=0-99", size: 1000)?.count == 100)
        #expect(ByteRange(header: "bytes=900-", size: 1000).map { [$0.lower, $0.upper] } == [900, 999])
        #expect(ByteRange(header: "bytes=-10", size: 1000).map { [$0.lower, $0.upper] } == [990, 999])
        #expect(ByteRange(header: "bytes=990-5000", size: 1000)?.upper == 999)
        #expect(ByteRange(header: "bytes=1000-", size: 1000) == nil)
        #expect(ByteRange(header: "bytes=5-2", size: 1000) == nil)
        #expect(ByteRange(header: "bytes=0-1,5-6", size: 1000) == nil)
        #expect(ByteRange(header: "items=0-1", size: 1000) == nil)
        #expect(ByteRange(header: nil, size: 1000) == nil)
    }

    @Test("A clip's concat list takes each file's part inside the window")
    func concat() {
        let t0 = Date(timeIntervalSince1970: 1_795_421_700)
        let list = ClipExport.concatList([("/r/3/a.mp4", t0, 60), ("/r/3/b'c.mp4", t0 + 60, 60), ("/r/3/c.mp4", t0 + 120, 60)],
                                         from: t0 + 30, to: t0 + 90)
        #expect(list == "ffconcat version 1.0\nfile '/r/3/a.mp4'\ninpoint 30.000\nfile '/r/3/b'\\''c.mp4'\noutpoint 30.000\n")
        #expect(ClipExport.arguments(list: "l", output: "o").contains("+faststart"))
    }
}

@Suite("ONVIF discovery")
struct ONVIFTests {
    @Test("The WS-Security password digest matches the reference vector")
    func digest() {
        #expect(ONVIF.passwordDigest(nonce: Data("0123456789abcdef".utf8), created: "2026-01-01T00:00:00.000Z", password: "Abc12345")
                == "DBmUVqCf8l4J8p8Pc7P6mxedrQI=")
        let envelope = ONVIF.envelope("<tds:GetProfiles/>", username: "admin", password: "Abc12345",
                                      at: Date(timeIntervalSince1970: 1_767_225_600), nonce: Data("0123456789abcdef".utf8))
        #expect(envelope.contains("DBmUVqCf8l4J8p8Pc7P6mxedrQI=") && envelope.contains("<wsu:Created>2026-01-01T00:00:00.000Z</wsu:Created>"))
        #expect(!envelope.contains("Abc12345"))
    }

    @Test("SOAP answers are read by local names")
    func xml() throws {
        let tree = try #require(XMLNode.parse(Data("""
            <s:Envelope xmlns:s="x" xmlns:tt="y"><s:Body><trt:GetProfilesResponse xmlns:trt="z"><trt:Profiles token="P1">\
            <tt:Name>main</tt:Name></trt:Profiles><trt:Profiles token="P2"><tt:Name>sub</tt:Name></trt:Profiles></trt:GetProfilesResponse></s:Body></s:Envelope>
            """.utf8)))
        #expect(tree.all("Profiles").map { $0.attributes["token"] ?? "" } == ["P1", "P2"])
        #expect(tree.first("Name")?.text == "main")
        #expect(XMLNode.parse(Data("<a><b></a>".utf8)) == nil)
    }

    func responder(clockOffset: Int) async throws -> (Process, Int) {
        let port = Int.random(in: 40_000..<50_000)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: VideoTools.python)
        p.arguments = [VideoTools.repository.appendingPathComponent("Tests/Video/fake_onvif.py").path, "--port", String(port),
                       "--clock-offset", String(clockOffset), "--rtsp-port", "8554", "--http-port", "8555"]
        let out = Pipe()
        p.standardOutput = out
        try p.runWithDefaultSignals()
        _ = out.fileHandleForReading.availableData // "ready"
        return (p, port)
    }

    @Test("Discovery reads the camera's clock first, signs at the camera's time, and finds the streams and snapshot",
          .enabled(if: FileManager.default.isExecutableFile(atPath: VideoTools.python)))
    func discovery() async throws {
        // The camera's clock is an hour and a half ahead: a token at our time would be refused.
        let (p, port) = try await responder(clockOffset: 5400)
        defer { p.terminate(); p.waitUntilExit() }
        let found = try await ONVIF.discover(host: "127.0.0.1", port: port, username: "admin", password: "Abc12345", client: .shared)
        #expect(abs(found.clockOffset - 5400) < 3)
        #expect(found.mainURL == "rtsp://127.0.0.1:8554/Streaming/Channels/101")
        #expect(found.subURL == "rtsp://127.0.0.1:8554/Streaming/Channels/102")
        #expect(found.snapshotURL == "http://127.0.0.1:8555/ISAPI/Streaming/channels/101/picture")
        #expect(found.profiles.map(\.width) == [1920, 640])
        // A wrong password is refused at the first signed call, with the camera's reason.
        await #expect(throws: ONVIF.Failure.self) {
            _ = try await ONVIF.discover(host: "127.0.0.1", port: port, username: "admin", password: "wrong", client: .shared)
        }
        do {
            _ = try await ONVIF.discover(host: "127.0.0.1", port: port, username: "admin", password: "wrong", client: .shared)
        } catch let f as ONVIF.Failure {
            #expect(f.step == "GetCapabilities" && f.reason.contains("NotAuthorized"))
        }
        // Nobody there.
        await #expect(throws: ONVIF.Failure.self) {
            _ = try await ONVIF.discover(host: "127.0.0.1", port: 1, username: "admin", password: "x", client: .shared)
        }
    }
}

@Suite("Camera snapshots over HTTP")
struct SnapshotURLTests {
    @Test("Digest answers match RFC 2617's example; a challenge without a nonce is not Digest")
    func digest() throws {
        let d = try #require(HTTPDigest(challenge: #"Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41""#))
        let header = d.authorization(method: "GET", uri: "/dir/index.html", username: "Mufasa", password: "Circle Of Life",
                                     cnonce: "0a4f113b", nc: "00000001")
        #expect(header.contains(#"response="6629fae49393a05397450978507c4ef1""#))
        #expect(header.contains(#"opaque="5ccc069c403ebaf9f0171e9517f40e41""#) && header.contains("qop=auth,"))
        #expect(HTTPDigest(challenge: #"Basic realm="x""#) == nil)
        #expect(HTTPDigest(challenge: #"Digest realm="x""#) == nil)
    }

    @Test("The fake camera's snapshot is fetched through its Digest challenge; a wrong password gets nothing",
          .enabled(if: VideoTools.available))
    func fromTheCamera() async throws {
        let camera = try await FakeCamera()
        defer { camera.stop() }
        let url = "http://127.0.0.1:\(camera.httpPort)/ISAPI/Streaming/channels/101/picture"
        let jpeg = await Snapshot.jpeg(from: url, username: camera.user, password: camera.password, client: .shared)
        #expect(jpeg?.starts(with: [0xFF, 0xD8]) == true)
        #expect(await Snapshot.jpeg(from: url, username: camera.user, password: "wrong", client: .shared) == nil)
        #expect(await Snapshot.jpeg(from: "http://127.0.0.1:\(camera.httpPort)/cgi-bin/snapshot.cgi?channel=1", username: camera.user,
                                    password: camera.password, client: .shared) != nil)
    }
}

/// The reader of cameras' answers: what SOAP uses is read, anything else refused, nothing crashes
/// (the inputs that crashed Foundation's XMLParser are here).
@Suite struct SmallXMLTests {
    @Test func soapAnswersAreRead() throws {
        let xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <!-- a comment --><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body>
            <trt:Profiles token='P&amp;1' fixed="true"><tt:Name>Cổng &lt;chính&gt; &#x41;&#66;</tt:Name><tt:Uri><![CDATA[rtsp://a/b?c=1&d=2]]></tt:Uri>
            <tt:Empty/></trt:Profiles></s:Body></s:Envelope>
            """
        let root = try #require(XMLNode.parse(Data(xml.utf8)))
        #expect(root.name == "Envelope")
        let profile = try #require(root.first("Profiles"))
        #expect(profile.attributes == ["token": "P&1", "fixed": "true"])
        #expect(profile.first("Name")?.text == "Cổng <chính> AB")
        #expect(profile.first("Uri")?.text == "rtsp://a/b?c=1&d=2")
        #expect(root.all("Empty").count == 1)
    }

    @Test func anythingElseIsRefused() {
        for bad in ["<a><b></a></b>", "<a>", "<a></a><b></b>", "<!DOCTYPE a [<!ENTITY x \"y\">]><a>&x;</a>", "<a>&nope;</a>", "<a b=c></a>",
                    "text<a/>", "<a><![CDATA[x</a>", "<?xm?>::::+<trt:GetProfiles>", "",
                    String(repeating: "<a>", count: 65) + String(repeating: "</a>", count: 65)] {
            #expect(XMLNode.parse(Data(bad.utf8)) == nil, "\(bad.prefix(40))")
        }
        #expect(XMLNode.parse(Data([0x3C, 0x61, 0x20, 0x78, 0x6D, 0x6C, 0x6E, 0x73, 0x3D, 0x22, 0xE0, 0x22, 0x3E, 0x3C, 0x2F, 0x61, 0x3E])) == nil)  // not UTF-8
        #expect(XMLNode.parse(Data((String(repeating: "<a>", count: 64) + String(repeating: "</a>", count: 64)).utf8)) != nil)
    }
}
