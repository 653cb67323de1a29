/// A right on one camera given to one account or to everyone holding a role over the camera's unit.
public struct CameraGrant: Sendable, Equatable, Identifiable {
    public var id: Int64
    public var cameraID: Int64
    public var userID: Int64?
    public var role: Role?
    public var rights: Set<CameraRight>

    public init(id: Int64 = 0, cameraID: Int64, userID: Int64? = nil, role: Role? = nil, rights: Set<CameraRight>) {
        self.id = id; self.cameraID = cameraID; self.userID = userID; self.role = role; self.rights = rights
    }

    /// Stored as `live,playback,export` in a fixed order.
    public var rightsText: String { CameraRight.allCases.filter(rights.contains).map(\.rawValue).joined(separator: ",") }

    public static func rights(from text: String) -> Set<CameraRight> {
        Set(text.split(separator: ",").compactMap { CameraRight(rawValue: String($0)) })
    }
}

public enum CameraAccess {
    /// What `principal` may do with a camera at `unitPath`: everything for whoever manages cameras
    /// there; otherwise the union of the grants made to their account or to a role they hold over
    /// that unit. Export implies nothing else; each right is checked on its own media path.
    public static func rights(of principal: Principal, cameraUnitPath: String, grants: [CameraGrant]) -> Set<CameraRight> {
        if principal.allows(.manageCameras, at: cameraUnitPath) { return Set(CameraRight.allCases) }
        var out = Set<CameraRight>()
        for grant in grants {
            if let user = grant.userID, user == principal.userID { out.formUnion(grant.rights) }
            if let role = grant.role, principal.grants.contains(where: { $0.role == role && cameraUnitPath.hasPrefix($0.unitPath) }) {
                out.formUnion(grant.rights)
            }
        }
        return out
    }
}
