import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization

/// A JPEG of a camera's current picture: decoded by ffmpeg from the keyframe group the live channel
/// holds (no request to the camera), or fetched from the camera's snapshot address.
public enum Snapshot {
    /// The first picture of `group` (init + fragments from a keyframe) as a JPEG, or nil.
    public static func jpeg(fromGroup group: Data, ffmpeg: String) async -> Data? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ffmpeg)
        process.arguments = ["-hide_banner", "-nostdin", "-loglevel", "error", "-f", "mp4", "-i", "pipe:0",
                             "-frames:v", "1", "-q:v", "4", "-f", "mjpeg", "pipe:1"]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        do { try process.runWithDefaultSignals() } catch { return nil }
        // Write and read at once on threads of their own: neither pipe may fill while the other waits.
        let writer = Thread {
            try? input.fileHandleForWriting.write(contentsOf: group)
            try? input.fileHandleForWriting.close()
        }
        writer.start()
        let result = Shared(Data())
        let done = AsyncStream<Void>.makeStream()
        let reader = Thread {
            let data = (try? output.fileHandleForReading.readToEnd()) ?? Data()
            result.value.withLock { $0 = data }
            done.continuation.finish()
        }
        reader.start()
        for await _ in done.stream {}
        process.waitUntilExit()
        let jpeg = result.value.withLock { $0 }
        return process.terminationStatus == 0 && jpeg.starts(with: [0xFF, 0xD8]) ? jpeg : nil
    }

    /// The camera's own snapshot (HTTP Basic credentials), or nil.
    public static func jpeg(from url: String, username: String, password: String, client: HTTPClient) async -> Data? {
        var request = HTTPClientRequest(url: url)
        if !username.isEmpty {
            request.headers.add(name: "Authorization", value: "Basic " + Data("\(username):\(password)".utf8).base64EncodedString())
        }
        guard let response = try? await client.execute(request, timeout: .seconds(5)), response.status == .ok,
              let body = try? await response.body.collect(upTo: 8 << 20) else { return nil }
        let data = Data(body.readableBytesView)
        return data.starts(with: [0xFF, 0xD8]) ? data : nil
    }
}
