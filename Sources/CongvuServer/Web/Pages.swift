/// Every page model, one per template: `PageModelTests` checks each against its template and
/// fails on a template without a model here.
enum Pages {
    static var all: [any Page.Type] { [
        // Signing in and one's account
        LoginPage.self, SecondFactorPage.self, AccountPage.self, HomePage.self, ErrorPage.self,
        // Organisation, people, accounts, audit, import
        UnitsPage.self, UnitPage.self, UnitFormPage.self, PeoplePage.self, PersonPage.self, PersonFormPage.self,
        UsersPage.self, AuditPage.self, NodesPage.self, ImportPage.self, ImportJobPage.self, CalendarPage.self,
        // Tasks
        MyTasksPage.self, TaskBoardPage.self, TaskFormPage.self, TaskPage.self, TaskSlipPage.self, OrphansPage.self,
        DutyBooksPage.self, DutyBookPage.self, DutyBookPrintPage.self, DutyBooksPrintPage.self, DutiesPage.self, DutiesPrintPage.self, PersonDutiesPage.self, TaskStatsPage.self,
        // Attendance
        AttendancePage.self, AttendancePersonPage.self, AttendanceDayPage.self, AttendanceCardsPage.self, AttendancePolicyPage.self,
        AbsencesPage.self, ExplanationsPage.self, ExplanationPage.self, BoardPage.self, DoorPage.self,
        KioskPage.self, KioskLockedPage.self, KiosksPage.self, TimesheetPage.self, CompliancePage.self,
        // Terminals and cameras
        TerminalsPage.self, TerminalPage.self,
        CamerasPage.self, CameraPage.self, CameraFormPage.self, CameraGridPage.self, CameraViewsPage.self, PlaybackPage.self,
        // One-stop desk and the public pages
        OneStopPage.self, IntakePage.self, DossierPage.self, PrintPage.self, BookPage.self, ProceduresPage.self, ReportPage.self,
        RatingPage.self, TrackingPage.self, PublicHomePage.self, PublicSchedulePage.self, PublicProceduresPage.self, PublicProcedurePage.self,
        // Inspections
        InspectionsPage.self, InspectionPage.self, MinutesPage.self, CoveragePage.self, DutyUnitPage.self, DutyReportPage.self, ChecklistPage.self,
        // Schedules
        SchedulesPage.self, MeetingPage.self, SchedulePrintPage.self, ReceptionPage.self, CounterNoticesPage.self, CounterBoardPage.self,
        CounterPosterPage.self, MeetingPackPage.self,
        // Feedback
        FeedbackListPage.self, FeedbackItemPage.self, FeedbackBoxPage.self, FeedbackFormPage.self, FeedbackTrackingPage.self,
        SurveyPage.self, SurveyResultsPage.self, SurveyMinePage.self, FeedbackCategoriesPage.self,
        // The reform index
        ReformIndexPage.self, ReformRoundPage.self, ReformSheetPage.self, ReformMeasurePage.self,
        // Notifications
        NotificationsPage.self, NotificationSettingsPage.self, NotificationLogPage.self,
    ] }
}
