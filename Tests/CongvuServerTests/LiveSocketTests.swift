import CongvuVideo
import Testing
@testable import CongvuServer

@Test("A live socket's viewers close together, even one a slot subscribes after the socket ended")
func viewerListClosesLateViewers() async throws {
    let channel = LiveChannel()
    let list = ViewerList()
    let early = try #require(list.add(channel.subscribe()))
    #expect(channel.statistics.viewers == 1)
    list.closeAll()
    #expect(await early.next() == nil)
    // A camera that came online as the page left: its viewer is closed at once, not left subscribed.
    #expect(list.add(channel.subscribe()) == nil)
    #expect(channel.statistics.viewers == 0)
}
