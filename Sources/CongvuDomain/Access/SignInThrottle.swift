import Foundation

/// Who may try a password now. Locking an account after a few failures from anywhere hands
/// anyone who knows a username (they are guessable: `chutich.<commune>`) a way to keep its owner
/// out. Instead:
/// - each address and account pair gets a few free failures, then waits a delay that doubles with
///   every further failure (5 s, 10 s, 20 s … up to a ceiling): guessing from one place crawls;
/// - one address failing across many accounts (spraying) is stopped altogether for the window;
/// - many failures on one account from elsewhere stop new devices only: the owner's known device
///   (one that signed in before) and an account with a second factor still get in with the right
///   password, and the owner is told of the failures.
public struct SignInThrottle: Equatable, Sendable {
    /// Failures per address and account before delays start.
    public var freeFailures: Int
    /// The first delay; each further failure doubles it.
    public var firstDelay: TimeInterval
    public var longestDelay: TimeInterval
    /// Failures from one address, over all accounts, within the window.
    public var maxPerAddress: Int
    /// Failures on one account, from all addresses, within the window, before new devices wait.
    public var maxPerAccount: Int

    public init(freeFailures: Int = 3, firstDelay: TimeInterval = 5, longestDelay: TimeInterval = 15 * 60, maxPerAddress: Int = 20, maxPerAccount: Int = 5) {
        self.freeFailures = freeFailures
        self.firstDelay = firstDelay
        self.longestDelay = longestDelay
        self.maxPerAddress = maxPerAddress
        self.maxPerAccount = maxPerAccount
    }

    /// Recent failures (within the window) as the store counts them.
    public struct Failures: Equatable, Sendable {
        /// From this address on this account, and the last of them.
        public var pair: Int
        public var lastPair: Date?
        /// From this address, on any account.
        public var address: Int
        /// On this account, from any address.
        public var account: Int

        public init(pair: Int, lastPair: Date?, address: Int, account: Int) {
            self.pair = pair
            self.lastPair = lastPair
            self.address = address
            self.account = account
        }
    }

    public enum Decision: Equatable, Sendable {
        case allow
        /// This address must wait so many seconds before trying this account again.
        case wait(seconds: Int)
        /// This address has failed on too many accounts: nothing from it is tried for a while.
        case addressBlocked
        /// The account has failed too often from elsewhere: only a known device or a second factor gets in.
        case newDevicesWait
    }

    /// The delay after `failures` failures of one pair (0 while they are free).
    public func delay(afterFailures failures: Int) -> TimeInterval {
        guard failures >= freeFailures else { return 0 }
        let doublings = min(failures - freeFailures, 30)
        return min(longestDelay, firstDelay * pow(2, Double(doublings)))
    }

    /// `knownDevice`: the browser carries a device token from an earlier sign-in of this account;
    /// `secondFactor`: the account asks a one-time code after the password.
    public func decide(_ f: Failures, now: Date, knownDevice: Bool, secondFactor: Bool) -> Decision {
        if f.address >= maxPerAddress && !knownDevice { return .addressBlocked }
        if let last = f.lastPair {
            let until = last.addingTimeInterval(delay(afterFailures: f.pair))
            if until > now { return .wait(seconds: Int(until.timeIntervalSince(now).rounded(.up))) }
        }
        if f.account >= maxPerAccount && !knownDevice && !secondFactor { return .newDevicesWait }
        return .allow
    }
}
