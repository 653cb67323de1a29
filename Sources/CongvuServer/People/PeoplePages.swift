/// The staff pages' models (see `Page`).
struct PersonRow: Decodable {
    var id: Int64
    var name: String
    var title: String
    var unit: String
    var unit_id: Int64
    var leader: Bool
    var category: String
    var phone: String
}

struct PeoplePage: Page {
    static let template = "people"
    var people: [PersonRow]
    var q: String
    var total: Int
    var page: Int
    var pages: Int
    var prev: String?
    var next: String?
    var can_create: Bool
}

struct PersonPage: Page {
    static let template = "person"
    struct Person: Decodable {
        var id: Int64
        var name: String
        var phone: String?
        var email: String?
        var gender: String?
        var birth_date: String?
        var card: String?
        var pin: String?
        var photo: Bool
    }
    struct Post: Decodable {
        var unit: String
        var unit_id: Int64
        var title: String
        var category: String
        var leader: Bool
        var from: String
        var to: String
        var current: Bool
    }
    /// Moving the person to another post: shown to those who may edit staff.
    struct Move: Decodable {
        var form: FormView
        var units: [Option]
        var categories: [Option]
    }
    var person: Person
    var posts: [Post]
    var can_edit: Bool
    var move: Move?
    var move_failed: Bool
    var photo_error: String?
}

struct PersonFormPage: Page {
    static let template = "person_form"
    struct Editing: Decodable { var id: Int64; var name: String }
    var form: FormView
    var units: [Option]
    var categories: [Option]
    var genders: [Option]
    var editing: Editing?
}
