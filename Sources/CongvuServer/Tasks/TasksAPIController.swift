import CongvuDomain
import CongvuStore
import Foundation
import Hummingbird

/// Tasks through the API: the caller's own tasks, one task with its people and history, and the
/// same steps as the pages (acknowledge, progress, report done, evaluate…), checked the same way.
struct TasksAPIController {
    let tasks: TaskServices

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("tasks", use: mine)
        group.get("tasks/board", use: board)
        group.get("tasks/:id", use: one)
        group.post("tasks/:id/steps", use: step)
    }

    struct TaskDTO: Codable, ResponseEncodable, SnakeCaseKeyed {
        struct PersonDTO: Codable {
            var personId: Int64; var name: String; var role: String
            enum CodingKeys: String, CodingKey { case personId = "person_id", name, role }
        }
        struct EventDTO: Codable {
            var at: String
            var actor: String
            var action: String
            var fromStatus: String
            var toStatus: String
            var percent: Int?
            var note: String
            var fromDue: String?
            var toDue: String?
            var quality: String?
            enum CodingKeys: String, CodingKey {
                case at, actor, action, fromStatus = "from_status", toStatus = "to_status", percent, note, fromDue = "from_due", toDue = "to_due", quality
            }
        }
        var id: Int64
        var reference: String
        var unitId: Int64
        var unitName: String
        var title: String
        var content: String
        var sourceKind: String
        var sourceReference: String
        var assignerId: Int64
        var assignerName: String
        var ownerId: Int64
        var ownerName: String
        var priority: String
        var assignedAt: String
        var due: String
        var originalDue: String
        var status: String
        /// One of the Government Office's four states; absent when cancelled.
        var standing: String?
        var percent: Int
        var quality: String?
        var version: Int
        var extensionDue: String?
        var people: [PersonDTO]?
        var events: [EventDTO]?
        enum CodingKeys: String, CodingKey {
            case id, reference, unitId = "unit_id", unitName = "unit_name", title, content, sourceKind = "source_kind",
                 sourceReference = "source_reference", assignerId = "assigner_id", assignerName = "assigner_name", ownerId = "owner_id",
                 ownerName = "owner_name", priority, assignedAt = "assigned_at", due, originalDue = "original_due", status, standing, percent,
                 quality, version, extensionDue = "extension_due", people, events
        }
    }

    struct ListDTO: Codable, ResponseEncodable, SnakeCaseKeyed { var items: [TaskDTO] }

    func dto(_ r: TaskRow, people: [TaskPerson]? = nil, events: [TaskEvent]? = nil) -> TaskDTO {
        let t = r.task
        return TaskDTO(id: t.id, reference: t.reference, unitId: t.unitID, unitName: r.unitName, title: t.title, content: t.content,
                       sourceKind: t.source.kind.rawValue, sourceReference: t.source.reference, assignerId: t.assignerID, assignerName: r.assignerName,
                       ownerId: t.ownerID, ownerName: r.ownerName, priority: t.priority.rawValue, assignedAt: Instant.format(t.assignedAt),
                       due: t.due.description, originalDue: t.originalDue.description, status: t.status.rawValue,
                       standing: t.standing(on: tasks.today)?.rawValue, percent: t.percent, quality: t.quality?.rawValue, version: t.version,
                       extensionDue: r.extensionDue?.description,
                       people: people?.map { .init(personId: $0.personID, name: $0.name, role: $0.role.rawValue) },
                       events: events?.map { e in
                           .init(at: Instant.format(e.at), actor: e.actorName, action: e.action, fromStatus: e.fromStatus.rawValue,
                                 toStatus: e.toStatus.rawValue, percent: e.percent, note: e.note, fromDue: e.fromDue?.description,
                                 toDue: e.toDue?.description, quality: e.quality?.rawValue)
                       })
    }

    /// The caller's tasks: open ones, or all with `?all=1`.
    func mine(_ request: Request, _ context: AppRequestContext) async throws -> ListDTO {
        let p = try context.signedIn()
        guard let personID = p.personID else { return ListDTO(items: []) }
        let rows = try await tasks.tasks.mine(personID: personID, includeClosed: request.uri.queryParameters["all"] == "1")
        return ListDTO(items: rows.map { dto($0) })
    }

    /// A unit's tasks and those of the units under it, by deadline (500 at most): open ones, or
    /// `show=closed|all`, filtered by `q` (accents ignored); for whoever sees or gives the unit's tasks.
    /// Without `q`, the answer is kept under the database's count of task changes and the day (the
    /// tasks' standing moves at midnight): leaders reopening a board between changes get the bytes
    /// already written, and a change made on any server makes a new key. Searches are not kept.
    func board(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (unit, _) = try await tasks.pickUnit(request, scopes: try await tasks.readScopes(try context.signedIn()), choices: false)
        let q = request.uri.queryParameters
        let show = q["show"].map(String.init) ?? "open"
        let statuses: [WorkTask.Status] = switch show {
        case "all": []
        case "closed": [.accepted, .cancelled]
        case "open": WorkTask.Status.allCases.filter(\.isOpen)
        default: throw ValidationErrors([FieldError("show", "invalid")])
        }
        let search = q["q"].map(String.init) ?? ""
        let build = {
            let rows = try await tasks.tasks.board(.init(unitPaths: [unit.path], statuses: statuses, search: search))
            return ByteBuffer(bytes: try AppRequestContext.json(ListDTO(items: rows.map { dto($0) })))
        }
        return AppJSONEncoder.response(search.isEmpty ? try await tasks.boards.value("\(unit.path) \(show) \(tasks.today) \(try await tasks.tasks.stamp())", build: build)
            : try await build())
    }

    func load(_ context: AppRequestContext) async throws -> (TaskRow, [TaskPerson], TaskServices.Standing) {
        guard let id = context.parameters.get("id", as: Int64.self), let row = try await tasks.tasks.get(id) else { throw StoreError.notFound("task") }
        let people = try await tasks.tasks.people(id)
        let standing = try await tasks.standing(try context.signedIn(), row, people: people)
        guard standing.mayView else { throw Forbidden() }
        return (row, people, standing)
    }

    func one(_ request: Request, _ context: AppRequestContext) async throws -> TaskDTO {
        let (row, people, _) = try await load(context)
        return dto(row, people: people, events: try await tasks.tasks.events(row.task.id))
    }

    struct StepBody: Decodable {
        var action: String
        var version: Int64
        var note: String?
        var percent: Int?
        var due: String?
        var quality: String?
        var owner: Int64?
    }

    func step(_ request: Request, _ context: AppRequestContext) async throws -> TaskDTO {
        let (row, _, standing) = try await load(context)
        let body = try await AttendanceAPIController.body(request, StepBody.self)
        _ = try await tasks.take(.init(action: body.action, version: body.version, note: body.note ?? "", percent: body.percent.map(String.init),
                                       due: body.due, quality: body.quality, owner: body.owner), on: row, standing, by: context.actor)
        guard let fresh = try await tasks.tasks.get(row.task.id) else { throw StoreError.notFound("task") }
        return dto(fresh, people: try await tasks.tasks.people(row.task.id), events: try await tasks.tasks.events(row.task.id))
    }
}
