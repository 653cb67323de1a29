import CongvuDomain
import CongvuStore
import CongvuTestSupport
import Crypto
import Foundation
import SQLKit
import Testing
@testable import CongvuServer

/// A backup taken while tasks with attachments are being written (issue 26), restored into an
/// empty directory: the database consistent (every row's file there, with its bytes), the counts
/// between before and after the load, the audit chain intact against its checkpoints, the key the same.
@Suite struct BackupTests {
    @Test func aBackupTakenUnderLoadRestoresWithItsCountsChainAndFiles() async throws {
        try await Harness.run { h in
            let services = h.services, data = services.config.dataDirectory
            let person = try await h.personID("chutich.giahung"), unit = try await h.unit(code: "14551-UB")
            @Sendable func task(_ i: Int) async throws {
                let bytes = Data("%PDF-1.4 báo cáo số \(i)".utf8)
                let sha = try services.tasks.files.write(bytes)
                _ = try await services.tasks.tasks.create(
                    WorkTask(unitID: unit.id, year: services.today.year, title: "Báo cáo số \(i)", assignerID: person, ownerID: person, assignedAt: Date(),
                             due: services.today), files: [TaskFile.Upload(sha256: sha, name: "bao-cao-\(i).pdf", ext: "pdf", size: bytes.count)], by: .system)
            }
            for i in 0..<5 { try await task(i) }
            _ = try await services.auditCheckpoints.write(services.audit)
            func count(_ db: Database, _ table: String) async throws -> Int {
                try await db.read { sql in try await sql.raw("SELECT COUNT(*) AS n FROM \(unsafeRaw: table)").first()!.decode(column: "n", as: Int.self) }
            }
            let tasksBefore = try await count(services.database, "tasks"), peopleBefore = try await count(services.database, "people")
            // The load: tasks with their files, one after another, while the backup is taken.
            let load = Task { () -> Int in
                var n = 0
                while n < 150 {
                    try await task(100 + n)
                    n += 1
                }
                return n
            }
            let target = data + "-backup"
            let written = try await DataBackup.write(services.database, dataDirectory: data, to: target)
            let added = try await load.value
            #expect(written.files > 5)
            await #expect(throws: DataBackup.TargetNotEmpty.self) { _ = try await DataBackup.write(services.database, dataDirectory: data, to: target) }

            let restored = data + "-restored"
            defer { for d in [target, restored] { try? FileManager.default.removeItem(atPath: d) } }
            _ = try DataBackup.restore(from: target, to: restored)
            #expect(throws: DataBackup.TargetNotEmpty.self) { _ = try DataBackup.restore(from: target, to: restored) }
            let db = try await Database.open(.sqlite(path: restored + "/" + DataBackup.databaseFile), logger: TestDatabases.logger)
            do {
                let tasks = try await count(db, "tasks"), people = try await count(db, "people")
                #expect((tasksBefore...(tasksBefore + added)).contains(tasks) && people == peopleBefore)
                // Every attachment a restored row names is there, with the bytes its hash says.
                let files = ContentFiles(directory: restored + "/task-files")
                let named = try await db.read { sql in
                    try await sql.raw("SELECT sha256 FROM task_files").all().map { try $0.decode(column: "sha256", as: String.self) }
                }
                #expect(named.count >= 5 && named.allSatisfy { sha in files.read(sha: sha).map { ContentFiles.sha256($0) == sha } ?? false })
                // The chain intact, held against the checkpoints copied before the database; the key the same.
                let secrets = try SecretBox.load(dataDirectory: restored, environmentKey: nil)
                let verdict = try await AuditLog(database: db).verify(against: AuditCheckpoints(dataDirectory: restored, secrets: secrets))
                if case .intact(let records) = verdict { #expect(records > 0) } else { Issue.record("\(verdict)") }
                #expect(FileManager.default.contents(atPath: restored + "/secret.key") == FileManager.default.contents(atPath: data + "/secret.key"))
            }
            await db.shutdown()
        }
    }
}
