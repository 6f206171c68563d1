import Foundation

/// Which patient letter: preparation for a procedure, an evaluation or a follow-up visit, or the
/// aftercare sheet once a procedure is done.
public enum InstructionDocument: String, CaseIterable, Sendable, Codable {
    case procedure, evaluation
    case followUp = "follow_up"
    case aftercare
}

/// The two forms of every letter: printable HTML, and plain text for a portal or an SMS gateway.
public enum InstructionFormat: String, CaseIterable, Sendable, Codable {
    case html, text
}

/// Everything a patient letter states, already decided and in the clinic's zone: the wording
/// (the clinic's template) only arranges these facts, it computes none of them.
public struct PatientInstructions: Hashable, Sendable {
    /// Where the clinic is and how to reach it.
    public struct ClinicFacts: Hashable, Sendable {
        public let name: String
        public let phone: String?
        public let website: String?
        /// The street lines, then "city, state postal code", then the country: what a letter prints.
        public let addressLines: [String]
        public let timeZone: String

        public init(name: String, phone: String?, website: String?, addressLines: [String], timeZone: String) {
            self.name = name
            self.phone = phone
            self.website = website
            self.addressLines = addressLines
            self.timeZone = timeZone
        }
    }

    /// The visit, on the clinic's calendar and clock.
    public struct VisitFacts: Hashable, Sendable {
        public let kind: VisitKind
        public let date: LocalDate
        public let start: LocalTime
        public let end: LocalTime
        /// When to arrive: before the start, so that the check-in and preparation do not eat into it.
        public let arrival: LocalTime
        /// The arrival's date: the visit's, unless arriving early crosses midnight.
        public let arrivalDate: LocalDate

        public init(
            kind: VisitKind, date: LocalDate, start: LocalTime, end: LocalTime, arrival: LocalTime,
            arrivalDate: LocalDate
        ) {
            self.kind = kind
            self.date = date
            self.start = start
            self.end = end
            self.arrival = arrival
            self.arrivalDate = arrivalDate
        }
    }

    /// When eating and drinking stop before the procedure, from the anesthesia planned.
    public struct Fasting: Hashable, Sendable {
        /// The last solid food: midnight before the day under general anesthesia, six hours
        /// before arrival under sedation.
        public let noFoodFromDate: LocalDate
        public let noFoodFrom: LocalTime
        /// Clear fluids (water, clear apple juice, black tea or coffee) up to two hours before arrival.
        public let clearFluidsUntilDate: LocalDate
        public let clearFluidsUntil: LocalTime

        public init(
            noFoodFromDate: LocalDate, noFoodFrom: LocalTime, clearFluidsUntilDate: LocalDate,
            clearFluidsUntil: LocalTime
        ) {
            self.noFoodFromDate = noFoodFromDate
            self.noFoodFrom = noFoodFrom
            self.clearFluidsUntilDate = clearFluidsUntilDate
            self.clearFluidsUntil = clearFluidsUntil
        }
    }

    /// A blood thinner to stop, with its dates from the pre-procedure plan.
    public struct MedicationHold: Hashable, Sendable {
        public let drug: Anticoagulant
        /// The first day without it.
        public let stopOn: LocalDate
        /// The last day it is taken (the day before `stopOn`).
        public let lastDoseOn: LocalDate
        /// For therapeutic LMWH: the last injection no later than this time the day before (24 h).
        public let lastDoseNoLaterThan: LocalTime?

        public init(drug: Anticoagulant, stopOn: LocalDate, lastDoseOn: LocalDate, lastDoseNoLaterThan: LocalTime?) {
            self.drug = drug
            self.stopOn = stopOn
            self.lastDoseOn = lastDoseOn
            self.lastDoseNoLaterThan = lastDoseNoLaterThan
        }
    }

    /// What a procedure letter adds.
    public struct ProcedureFacts: Hashable, Sendable {
        public let levels: [VertebralLevel]
        public let anesthesia: AnesthesiaPlan
        public let fasting: Fasting
        public let holds: [MedicationHold]
        /// The INR blood test, when a warfarin hold asks for one (the day before).
        public let inrCheckOn: LocalDate?
        /// The day driving may resume (about two days after).
        public let mayDriveFrom: LocalDate

        public init(
            levels: [VertebralLevel], anesthesia: AnesthesiaPlan, fasting: Fasting, holds: [MedicationHold],
            inrCheckOn: LocalDate?, mayDriveFrom: LocalDate
        ) {
            self.levels = levels
            self.anesthesia = anesthesia
            self.fasting = fasting
            self.holds = holds
            self.inrCheckOn = inrCheckOn
            self.mayDriveFrom = mayDriveFrom
        }
    }

    /// What the aftercare sheet adds.
    public struct AftercareFacts: Hashable, Sendable {
        public let procedureDate: LocalDate
        public let levels: [VertebralLevel]
        /// Calcium and vitamin D are advised when osteoporosis is involved.
        public let osteoporosis: Bool
        /// The follow-up visit, when one is booked.
        public let followUp: VisitFacts?

        public init(procedureDate: LocalDate, levels: [VertebralLevel], osteoporosis: Bool, followUp: VisitFacts?) {
            self.procedureDate = procedureDate
            self.levels = levels
            self.osteoporosis = osteoporosis
            self.followUp = followUp
        }
    }

    public let document: InstructionDocument
    public let clinic: ClinicFacts
    public let patientGivenName: String
    public let patientFamilyName: String
    public let visit: VisitFacts
    /// Present for the procedure letter.
    public let procedure: ProcedureFacts?
    /// Present for the aftercare sheet.
    public let aftercare: AftercareFacts?

    public init(
        document: InstructionDocument, clinic: ClinicFacts, patientGivenName: String, patientFamilyName: String,
        visit: VisitFacts, procedure: ProcedureFacts?, aftercare: AftercareFacts?
    ) {
        self.document = document
        self.clinic = clinic
        self.patientGivenName = patientGivenName
        self.patientFamilyName = patientFamilyName
        self.visit = visit
        self.procedure = procedure
        self.aftercare = aftercare
    }
}
