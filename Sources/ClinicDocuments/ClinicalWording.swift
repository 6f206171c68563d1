import ClinicDomain

/// The words a patient reads for the domain's codes. Names only: which drug is held and when is
/// decided by the pre-procedure plan, never here.
enum ClinicalWording {
    static func drugName(_ drug: Anticoagulant) -> String {
        switch drug {
        case .warfarin: "warfarin"
        case .doac: "your DOAC blood thinner (apixaban, rivaroxaban, dabigatran or edoxaban)"
        case .clopidogrel: "clopidogrel"
        case .lmwh: "therapeutic LMWH injections (enoxaparin)"
        case .none: "your blood thinner"
        }
    }

    static func anesthesia(_ plan: AnesthesiaPlan) -> String {
        switch plan {
        case .localWithSedation: "local anesthetic with sedation"
        case .general: "general anesthesia"
        }
    }

    /// "L1", "T12 and L1", "T11, T12 and L1", in the order the plan lists them.
    static func list(_ items: [String]) -> String {
        guard let last = items.last else { return "" }
        guard items.count > 1 else { return last }
        return items.dropLast().joined(separator: ", ") + " and " + last
    }
}
