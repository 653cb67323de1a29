/// The roles a grant can carry. Every grant is scoped to a unit subtree.
public enum Role: String, CaseIterable, Codable, Sendable {
    case systemAdmin = "system_admin"
    case unitAdmin = "unit_admin"
    case leader
    case civilServant = "civil_servant"
    case inspector
    case oneStopOfficer = "one_stop_officer"
    /// The reform-index council (the Home Affairs office): appraises and publishes the units of its
    /// scope, and reads their assessments; nothing else of theirs.
    case reformCouncil = "reform_council"

    public var permissions: Set<Permission> {
        switch self {
        case .systemAdmin:
            return Set(Permission.allCases)
        case .unitAdmin:
            return [.viewOrganisation, .editOrganisation, .viewPeople, .editPeople, .importData, .manageAccounts, .viewAttendance, .manageTerminals,
                    .viewDossiers, .handleDossiers, .manageProcedures, .manageCameras, .viewTasks, .assignTasks, .viewInspections, .draftSchedules, .handleFeedback,
                    .assessReform]
        case .leader:
            return [.viewOrganisation, .viewPeople, .viewAttendance, .viewDossiers, .viewTasks, .assignTasks, .viewInspections, .draftSchedules,
                    .publishSchedules, .handleFeedback, .assessReform, .appraiseReform]
        case .reformCouncil:
            return [.viewOrganisation, .appraiseReform]
        case .inspector:
            return [.viewOrganisation, .viewPeople, .viewAttendance, .viewDossiers, .viewTasks, .inspect, .viewInspections]
        case .oneStopOfficer:
            return [.viewOrganisation, .viewPeople, .viewDossiers, .handleDossiers]
        case .civilServant:
            return [.viewOrganisation, .viewPeople]
        }
    }

    /// Roles whose accounts a policy may oblige to use two-factor sign-in.
    public var isPrivileged: Bool {
        self == .systemAdmin || self == .unitAdmin || self == .leader
    }
}

public enum Permission: String, CaseIterable, Sendable {
    case viewOrganisation
    case editOrganisation
    case viewPeople
    case editPeople
    case importData
    case manageAccounts
    case viewAudit
    /// Everyone's punches and verdicts in the scope (a person always sees their own).
    case viewAttendance
    /// Attendance terminals serving units in the scope: approve, configure, command, resolve alerts.
    case manageTerminals
    /// Dossiers received or handled in the scope, and the one-stop reports.
    case viewDossiers
    /// Receive dossiers at the scope's counters and move them through their steps.
    case handleDossiers
    /// The procedure catalogue and the counters' agency identifiers.
    case manageProcedures
    /// Cameras in the scope: add, configure, grant rights, lock footage, read the viewing log; and every
    /// right on them (live, playback, export). Anyone else needs a per-camera grant.
    case manageCameras
    /// Every task of units in the scope (a person always sees the tasks they are on).
    case viewTasks
    /// Give tasks to people holding a post in the scope, and evaluate them. A head of a department
    /// (a leading post) may do so in that department without the grant.
    case assignTasks
    /// Inspect units in the scope: plan and make visits (unannounced ones included, which the
    /// inspected unit cannot see until they start), record them, finalise and amend their minutes.
    case inspect
    /// The finalised minutes of units in the scope, their follow-up and coverage.
    case viewInspections
    /// Draft the work schedules of units in the scope (the office), and cancel published entries.
    case draftSchedules
    /// Publish the schedules of units in the scope (their leaders).
    case publishSchedules
    /// The feedback register of units in the scope: enter, assign, forward, merge, mark as spam,
    /// answer, and read the citizens' contacts (the person an item is assigned to answers it without).
    case handleFeedback
    /// The reform index of units in the scope: read their assessment and its live projection,
    /// self-assess with evidence and submit (the unit's leaders and office).
    case assessReform
    /// The reform index as a council over units in the scope: frameworks, rounds, appraisal,
    /// publication and past years; and reading every assessment in the scope.
    case appraiseReform
}

public struct Grant: Sendable, Equatable, Codable {
    public var role: Role
    public var unitID: Int64
    /// The path of the unit the grant is scoped to (see `OrgUnit.path`).
    public var unitPath: String

    public init(role: Role, unitID: Int64, unitPath: String) {
        self.role = role
        self.unitID = unitID
        self.unitPath = unitPath
    }
}

/// Who is acting, with every grant they hold. Answers "may they do this there?".
public struct Principal: Sendable, Equatable {
    public var userID: Int64
    public var username: String
    public var displayName: String
    public var personID: Int64?
    public var grants: [Grant]

    public init(userID: Int64, username: String, displayName: String, personID: Int64? = nil, grants: [Grant]) {
        self.userID = userID
        self.username = username
        self.displayName = displayName
        self.personID = personID
        self.grants = grants
    }

    /// May the principal do `permission` on an object that lives at `path`?
    public func allows(_ permission: Permission, at path: String) -> Bool {
        grants.contains { $0.role.permissions.contains(permission) && path.hasPrefix($0.unitPath) }
    }

    /// May the principal do `permission` on an object that lives at any of `paths`?
    public func allows(_ permission: Permission, atAnyOf paths: [String]) -> Bool {
        paths.contains { allows(permission, at: $0) }
    }

    /// Does the principal hold `permission` anywhere at all?
    public func holds(_ permission: Permission) -> Bool {
        grants.contains { $0.role.permissions.contains(permission) }
    }

    /// The subtree roots where `permission` holds, with nested roots removed: the filter for list queries.
    public func scopes(for permission: Permission) -> [String] {
        let roots = grants.filter { $0.role.permissions.contains(permission) }.map(\.unitPath)
        return Set(roots).filter { root in !roots.contains { $0 != root && root.hasPrefix($0) } }.sorted()
    }

    public var roles: Set<Role> { Set(grants.map(\.role)) }

    public var isPrivileged: Bool { grants.contains { $0.role.isPrivileged } }
}
