import CongvuDomain
import CongvuStore
import Foundation
import Hummingbird

/// The JSON API for integrations, under `/api/v1`, described by `Resources/openapi.yaml`.
struct APIController {
    let services: AppServices

    struct UnitDTO: Codable, ResponseEncodable {
        var id: Int64
        var parentId: Int64?
        var kind: String
        var code: String
        var name: String
        var validFrom: String?
        var validTo: String?
        var successorId: Int64?
    }

    struct PostDTO: Codable {
        var unitId: Int64
        var unitName: String
        var title: String
        var category: String
        var leader: Bool
        var validFrom: String
        var validTo: String?
    }

    struct PersonDTO: Codable, ResponseEncodable {
        var id: Int64
        var fullName: String
        var gender: String?
        var phone: String
        var email: String
        var title: String?
        var unitId: Int64?
        var unitName: String?
        var posts: [PostDTO]?
    }

    struct ListDTO<T: Codable & Sendable>: Codable, ResponseEncodable, Sendable {
        var items: [T]
        var total: Int
        var limit: Int?
        var offset: Int?
    }

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("units", use: units)
        group.get("units/:id", use: unit)
        group.get("people", use: people)
        group.get("people/:id", use: person)
    }

    static func dto(_ u: OrgUnit) -> UnitDTO {
        UnitDTO(id: u.id, parentId: u.parentID, kind: u.kind.rawValue, code: u.code, name: u.name,
                validFrom: u.validFrom?.description, validTo: u.validTo?.description, successorId: u.successorID)
    }

    func units(_ request: Request, _ context: AppRequestContext) async throws -> ListDTO<UnitDTO> {
        let scopes = try context.scopes(.viewOrganisation)
        let q = request.uri.queryParameters["q"].map(String.init) ?? ""
        let list = q.isEmpty ? try await services.units.list(scopes: scopes) : try await services.units.search(q, scopes: scopes)
        return ListDTO(items: list.map(Self.dto), total: list.count)
    }

    func unit(_ request: Request, _ context: AppRequestContext) async throws -> UnitDTO {
        guard let id = context.parameters.get("id", as: Int64.self), let u = try await services.units.get(id) else {
            throw StoreError.notFound("unit")
        }
        try context.require(.viewOrganisation, atAnyOf: [u.path])
        return Self.dto(u)
    }

    /// `limit` (1–200, default 50) and `offset` must be whole numbers; anything else is a 400.
    static func bounded(_ request: Request, _ name: String, default value: Int, range: ClosedRange<Int>) throws -> Int {
        guard let text = request.uri.queryParameters[Substring(name)] else { return value }
        guard let n = Int(text), range.contains(n) else { throw HTTPError(.badRequest, message: "\(name) out of range") }
        return n
    }

    func people(_ request: Request, _ context: AppRequestContext) async throws -> ListDTO<PersonDTO> {
        let scopes = try context.scopes(.viewPeople)
        let limit = try Self.bounded(request, "limit", default: 50, range: 1...200)
        let offset = try Self.bounded(request, "offset", default: 0, range: 0...1_000_000)
        let q = request.uri.queryParameters["q"].map(String.init) ?? ""
        let page = try await services.people.search(q, scopes: scopes, on: services.today, limit: limit, offset: offset)
        let items = page.items.map { s in
            PersonDTO(id: s.person.id, fullName: s.person.fullName, gender: s.person.gender?.rawValue, phone: s.person.phone,
                      email: s.person.email, title: s.title, unitId: s.unitID, unitName: s.unitName, posts: nil)
        }
        return ListDTO(items: items, total: page.total, limit: limit, offset: offset)
    }

    func person(_ request: Request, _ context: AppRequestContext) async throws -> PersonDTO {
        guard let id = context.parameters.get("id", as: Int64.self), let record = try await services.people.get(id) else {
            throw StoreError.notFound("person")
        }
        try context.require(.viewPeople, atAnyOf: record.unitPaths)
        let p = record.person
        let current = record.assignments.first { $0.assignment.isActive(on: services.today) }
        return PersonDTO(id: p.id, fullName: p.fullName, gender: p.gender?.rawValue, phone: p.phone, email: p.email,
                         title: current?.assignment.title, unitId: current?.unit.id, unitName: current?.unit.name,
                         posts: record.assignments.map { a, u in
                             PostDTO(unitId: u.id, unitName: u.name, title: a.title, category: a.category.rawValue, leader: a.isLeader,
                                     validFrom: a.validFrom.description, validTo: a.validTo?.description)
                         })
    }
}
