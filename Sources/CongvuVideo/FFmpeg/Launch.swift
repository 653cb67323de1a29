import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension Process {
    /// Starts the process from a thread whose signal mask is empty. A child inherits the mask of the
    /// thread that spawns it, and Dispatch and the concurrency pool run with most signals blocked: a
    /// child started from there never sees SIGINT or SIGTERM (ffmpeg could not close its segment).
    public func runWithDefaultSignals() throws {
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var failure: (any Error)?
        let process = self
        let thread = Thread {
            var empty = sigset_t()
            sigemptyset(&empty)
            pthread_sigmask(SIG_SETMASK, &empty, nil)
            do { try process.run() } catch { failure = error }
            done.signal()
        }
        thread.start()
        done.wait()
        if let failure { throw failure }
    }

    /// Starts the process (as `runWithDefaultSignals`) and returns a task that ends with its exit
    /// status, so callers await the end without holding a thread.
    public func startAwaitingExit() throws -> Task<Int32, Never> {
        let (ended, continuation) = AsyncStream<Int32>.makeStream()
        terminationHandler = { continuation.yield($0.terminationStatus); continuation.finish() }
        do { try runWithDefaultSignals() } catch {
            terminationHandler = nil
            throw error
        }
        return Task {
            for await status in ended { return status }
            return -1
        }
    }
}
