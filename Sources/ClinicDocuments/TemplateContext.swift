import ClinicDomain
import Foundation

/// The names a letter template may use. Clinics write their own templates against this list:
/// a template naming anything else is refused when it is saved.
///
/// Values print with `{{name}}` (HTML-escaped in HTML letters, as is in text letters); a name
/// that may be missing, a `Bool` or a list also works as a section: `{{#name}}...{{/name}}`,
/// or `{{^name}}...{{/name}}` for "when not". Inside a list, `{{.}}` is the current item, and
/// the library's `{{#first()}}`, `{{^last()}}`, `{{index()}}` know its place in the list.
///
/// Every letter:
/// - `document`: "procedure", "evaluation", "follow_up" or "aftercare"; and the flags
///   `isProcedure`, `isEvaluation`, `isFollowUp`, `isAftercare`.
/// - `patient` (prints the full name): `patient.givenName`, `patient.familyName`, `patient.fullName`.
/// - `clinic` (prints the name): `clinic.name`; `clinic.phone` and `clinic.website` (missing when
///   the clinic has none); `clinic.addressLines` (a list of lines: street, "city, state postal
///   code", country; empty when there is no address); `clinic.address` (the lines joined with
///   ", ", missing when there is no address); `clinic.timeZone` (IANA name, e.g. America/Denver).
/// - `visit`: the booked visit, in the clinic's zone: `visit.kind` ("evaluation", "procedure",
///   "follow_up"), `visit.date`, `visit.start`, `visit.end`, `visit.arrival`,
///   `visit.arrivalDate`, and `visit.arrivalOnOtherDay` (true when arriving early crosses midnight).
///
/// The procedure letter also has `procedure` (missing on the other letters):
/// - `procedure.levels` (a list of level names, "L1"), `procedure.levelsText` ("T12 and L1"),
///   `procedure.levelCount`, `procedure.multipleLevels`.
/// - `procedure.anesthesia` (prints "local anesthetic with sedation" or "general anesthesia"):
///   `procedure.anesthesia.code` ("local_with_sedation", "general"),
///   `procedure.anesthesia.isLocalWithSedation`, `procedure.anesthesia.isGeneral`.
/// - `procedure.fasting`: `noFoodFromDate`, `noFoodFrom`, `clearFluidsUntilDate`, `clearFluidsUntil`.
/// - `procedure.holds`: a list, one per blood thinner to stop, each with `drug` ("warfarin",
///   "doac", "clopidogrel", "lmwh"), `drugName` (in words: "warfarin", "your DOAC blood thinner
///   (apixaban, rivaroxaban, dabigatran or edoxaban)", "clopidogrel", "therapeutic LMWH
///   injections (enoxaparin)"), `isWarfarin`, `isDoac`, `isClopidogrel`, `isLmwh`, `lastDoseOn`
///   (the last day it is taken), `stopOn` (the first day without it) and `lastDoseNoLaterThan`
///   (the latest time of the last LMWH injection; missing for the other drugs).
///   `procedure.hasHolds` is true when the list is not empty.
/// - `procedure.inrCheckOn`: the INR blood test's date, missing when none is needed.
/// - `procedure.mayDriveFrom`: the first day the patient may drive again.
///
/// The aftercare sheet also has `aftercare` (missing on the other letters):
/// `aftercare.procedureDate`, `aftercare.levels`, `aftercare.levelsText`, `aftercare.levelCount`,
/// `aftercare.multipleLevels`, `aftercare.osteoporosis` (true when calcium and vitamin D are
/// advised), and `aftercare.followUp` (the follow-up visit, with the fields of `visit`; missing
/// when none is booked).
///
/// Every date (`visit.date`, `procedure.mayDriveFrom`, ...) prints in words, "Tuesday,
/// December 8, 2026", and has the parts `.long` (the same), `.weekday` ("Tuesday"), `.month`
/// ("December"), `.day` ("8"), `.year` ("2026"), `.monthDay` ("December 8") and `.iso`
/// ("2026-12-08"). Every time (`visit.arrival`, ...) prints as "7:00 AM" and has `.twelveHour`
/// ("7:00 AM"), `.twentyFourHour` ("07:00"), `.spoken` ("7:00 AM", but "12:00 AM (midnight)" and
/// "12:00 PM (noon)") and `.isMidnight`.
enum TemplateContext {
    static func root(for facts: PatientInstructions, log: LookupLog? = nil) -> ContextNode {
        Builder(log: log).root(facts)
    }

    /// Every name the context can hold, whatever the document or the facts: a name outside this
    /// set is a typo, since Mustache would silently print nothing for it.
    static let knownNames: Set<String> = {
        var names: Set<String> = []
        func collect(_ value: Any) {
            if let node = value as? ContextNode {
                for (name, child) in node.fields {
                    names.insert(name)
                    collect(child)
                }
            } else if let list = value as? [ContextNode] {
                list.forEach(collect)
            }
        }
        for sample in SampleInstructions.all {
            collect(root(for: sample))
        }
        return names
    }()
}

/// Builds the nodes, each carrying the lookup log when the template is being checked.
private struct Builder {
    let log: LookupLog?

    func node(_ text: String, _ fields: [String: Any]) -> ContextNode {
        ContextNode(fields: fields, renderText: text, log: log)
    }

    func root(_ facts: PatientInstructions) -> ContextNode {
        let document = facts.document
        return node(
            facts.document.rawValue,
            [
                "document": document.rawValue,
                "isProcedure": document == .procedure,
                "isEvaluation": document == .evaluation,
                "isFollowUp": document == .followUp,
                "isAftercare": document == .aftercare,
                "patient": patient(given: facts.patientGivenName, family: facts.patientFamilyName),
                "clinic": clinic(facts.clinic),
                "visit": visit(facts.visit),
                "procedure": facts.procedure.map(procedure) ?? Absent(),
                "aftercare": facts.aftercare.map(aftercare) ?? Absent(),
            ])
    }

    func patient(given: String, family: String) -> ContextNode {
        let full = [given, family].filter { !$0.isEmpty }.joined(separator: " ")
        return node(full, ["givenName": given, "familyName": family, "fullName": full])
    }

    func clinic(_ clinic: PatientInstructions.ClinicFacts) -> ContextNode {
        node(
            clinic.name,
            [
                "name": clinic.name,
                "phone": present(clinic.phone),
                "website": present(clinic.website),
                "addressLines": clinic.addressLines,
                "address": present(clinic.addressLines.joined(separator: ", ")),
                "timeZone": clinic.timeZone,
            ])
    }

    func visit(_ visit: PatientInstructions.VisitFacts) -> ContextNode {
        node(
            visit.kind.rawValue,
            [
                "kind": visit.kind.rawValue,
                "date": date(visit.date),
                "start": time(visit.start),
                "end": time(visit.end),
                "arrival": time(visit.arrival),
                "arrivalDate": date(visit.arrivalDate),
                "arrivalOnOtherDay": visit.arrivalDate != visit.date,
            ])
    }

    func procedure(_ procedure: PatientInstructions.ProcedureFacts) -> ContextNode {
        // A hold of "no drug" tells the patient to stop nothing: leave it out rather than print
        // an instruction without a medicine.
        let holds = procedure.holds.filter { $0.drug != .none }.map(hold)
        var fields = levels(procedure.levels)
        fields.merge([
            "anesthesia": anesthesia(procedure.anesthesia),
            "fasting": node(
                "",
                [
                    "noFoodFromDate": date(procedure.fasting.noFoodFromDate),
                    "noFoodFrom": time(procedure.fasting.noFoodFrom),
                    "clearFluidsUntilDate": date(procedure.fasting.clearFluidsUntilDate),
                    "clearFluidsUntil": time(procedure.fasting.clearFluidsUntil),
                ]),
            "holds": holds,
            "hasHolds": !holds.isEmpty,
            "inrCheckOn": procedure.inrCheckOn.map(date) ?? Absent(),
            "mayDriveFrom": date(procedure.mayDriveFrom),
        ]) { first, _ in first }
        return node("", fields)
    }

    func aftercare(_ aftercare: PatientInstructions.AftercareFacts) -> ContextNode {
        var fields = levels(aftercare.levels)
        fields.merge([
            "procedureDate": date(aftercare.procedureDate),
            "osteoporosis": aftercare.osteoporosis,
            "followUp": aftercare.followUp.map(visit) ?? Absent(),
        ]) { first, _ in first }
        return node("", fields)
    }

    func levels(_ levels: [VertebralLevel]) -> [String: Any] {
        let names = levels.map(\.description)
        return [
            "levels": names,
            "levelsText": ClinicalWording.list(names),
            "levelCount": names.count,
            "multipleLevels": names.count > 1,
        ]
    }

    func anesthesia(_ plan: AnesthesiaPlan) -> ContextNode {
        node(
            ClinicalWording.anesthesia(plan),
            [
                "code": plan.rawValue,
                "isLocalWithSedation": plan == .localWithSedation,
                "isGeneral": plan == .general,
            ])
    }

    func hold(_ hold: PatientInstructions.MedicationHold) -> ContextNode {
        let name = ClinicalWording.drugName(hold.drug)
        return node(
            name,
            [
                "drug": hold.drug.rawValue,
                "drugName": name,
                "isWarfarin": hold.drug == .warfarin,
                "isDoac": hold.drug == .doac,
                "isClopidogrel": hold.drug == .clopidogrel,
                "isLmwh": hold.drug == .lmwh,
                "lastDoseOn": date(hold.lastDoseOn),
                "stopOn": date(hold.stopOn),
                "lastDoseNoLaterThan": hold.lastDoseNoLaterThan.map(time) ?? Absent(),
            ])
    }

    func date(_ date: LocalDate) -> ContextNode {
        let long = USEnglishCalendar.longDate(date)
        let month = USEnglishCalendar.month(of: date)
        return node(
            long,
            [
                "long": long,
                "weekday": USEnglishCalendar.weekday(of: date),
                "month": month,
                "day": String(date.day),
                "year": String(date.year),
                "monthDay": "\(month) \(date.day)",
                "iso": date.description,
            ])
    }

    func time(_ time: LocalTime) -> ContextNode {
        let twelveHour = USEnglishCalendar.twelveHour(time)
        return node(
            twelveHour,
            [
                "twelveHour": twelveHour,
                "twentyFourHour": time.description,
                "spoken": USEnglishCalendar.spoken(time),
                "isMidnight": time.minutesSinceMidnight == 0,
            ])
    }

    /// An empty string would still open a section in this Mustache library: treat it as missing.
    func present(_ text: String?) -> Any {
        guard let text, !text.trimmingCharacters(in: .whitespaces).isEmpty else { return Absent() }
        return text
    }
}
