// swift-tools-version:6.1
// Coverage-guided fuzzing of every parser that reads outside input, with libFuzzer
// (`-sanitize=fuzzer`). Built and run by scripts/fuzz; kept out of the main package so that its
// instrumented build never mixes with the server's.
import PackageDescription

let package = Package(
    name: "CongvuFuzz",
    platforms: [.macOS(.v15)],
    // `congvu` is a link to the repository root: a path dependency is known by its last component.
    dependencies: [.package(path: "congvu")],
    targets: [
        .executableTarget(
            name: "congvu-fuzz",
            dependencies: [.product(name: "CongvuParsers", package: "congvu")],
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]
        ),
    ]
)
