import CongvuDomain
import Metrics

/// The recorders' counters for `/metrics` (issue 26): segments indexed and their bytes, and what
/// retention deleted. The streams and viewers are read at the scrape (`VideoHub.exposition`).
enum VideoMetrics {
    /// Named at start, so that a node that has recorded nothing yet says 0 rather than nothing.
    static func register() {
        for label in ["congvu_video_segments_total", "congvu_video_segment_bytes_total", "congvu_video_retention_deleted_segments_total",
                      "congvu_video_retention_deleted_bytes_total"] {
            Counter(label: label).increment(by: 0)
        }
    }

    static func indexed(bytes: Int64) {
        Counter(label: "congvu_video_segments_total").increment()
        Counter(label: "congvu_video_segment_bytes_total").increment(by: bytes)
    }

    static func retained(deleted: [RecordedSegment]) {
        Counter(label: "congvu_video_retention_deleted_segments_total").increment(by: deleted.count)
        Counter(label: "congvu_video_retention_deleted_bytes_total").increment(by: deleted.reduce(0) { $0 + $1.bytes })
    }
}
