import Foundation

/// Doubling waits between attempts, from `first` up to `longest`: the one backoff rule, for a
/// recorder restarting ffmpeg and for a notification tried again.
public struct Backoff: Sendable, Equatable {
    public var first: TimeInterval
    public var longest: TimeInterval

    public init(first: TimeInterval, longest: TimeInterval) {
        self.first = first
        self.longest = longest
    }

    /// The wait after `failures` failures in a row (none before the first).
    public func delay(afterFailures failures: Int) -> TimeInterval {
        guard failures > 0 else { return 0 }
        return min(longest, first * pow(2, Double(min(failures - 1, 30))))
    }
}
