import CongvuStore

/// This build's version, and the schema step it migrates to: what `congvu version` prints and
/// `/healthz` reports.
public enum Release {
    public static let version = "0.25.0"
    public static var schema: Int { Schema.all.last?.version ?? 0 }
    public static var description: String { "congvu \(version) (schema \(schema))" }
}
