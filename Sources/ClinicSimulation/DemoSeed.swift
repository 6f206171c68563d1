import ClinicDomain
import ClinicServices
import Foundation

/// The demo data set: one clinic in Arizona (no daylight saving) with its rooms and clinicians, five
/// named referrals from the last few days, and about six weeks of history before them, so the nightly
/// report for yesterday has something in every section. Dates are relative to today, so the demo
/// never ages out. Fixed ids, idempotency keys and a fixed seed make it safe to load twice.
public struct DemoSeed {
    let services: APIServices
    /// The clock `services` read: the named referrals and the history are made on it.
    let clock: SimulatedClock

    public init(services: APIServices, clock: SimulatedClock) {
        self.services = services
        self.clock = clock
    }

    public static let clinicID = SeededClinic.demo.id
    static let historySeed: UInt64 = 20_261_125
    static let historyReferrals = 150
    static let historyDays = 42
    private static let actorName = "clinic seed --demo"

    /// Loads the demo; returns a line saying what it made.
    public func load() async throws -> String {
        let setupActor = Actor(principal: .commandLine(Self.actorName), requestID: nil, at: clock.now)
        // The history goes with a new clinic only: a clinic that existed had its history loaded then.
        let existed = try await SeededClinic.demo.prepare(services.setup, actor: setupActor)
        let clinic = try await services.setup.clinicSetup(id: Self.clinicID, actor: setupActor).clinic
        let resources = SeededClinic.demo.resources
        let calendar = LocalCalendar(zone: clinic.timeZone)
        let today = clinic.today(at: clock.now)
        var created = 0
        var loadedBefore = existed
        for (index, demo) in Self.cases.enumerated() {
            let referredAt = demo.referred.instant(today, calendar)
            clock.set(referredAt)
            let actor = Actor(principal: .commandLine(Self.actorName), requestID: nil, at: referredAt)
            let imaging: ImagingService.Submitted
            do {
                imaging = try await services.imaging.submit(
                    demo.imaging(clinicID: clinic.id, today: today, calendar), actor: actor)
            } catch ServiceError.conflict {
                // Loaded on an earlier day: the same accession with other (relative) dates. Leave it.
                if index == 0 { loadedBefore = true }
                continue
            }
            var draft = demo.referral
            draft.imagingResultIDs = [imaging.result.id.description]
            draft.symptomOnset = demo.onsetDaysAgo.map { today.adding(days: -$0).description }
            do {
                let result = try await services.referrals.create(
                    draft, idempotencyKey: "demo-referral-\(index + 1)", actor: actor)
                if result.replayed { if index == 0 { loadedBefore = true } } else { created += 1 }
            } catch ServiceError.idempotencyKeyReused {
                if index == 0 { loadedBefore = true }
                continue  // Seeded by an earlier version of this data, or on another day; leave it.
            }
        }
        let head =
            "Demo clinic \(clinic.name) (\(clinic.id), \(clinic.timeZone)): \(resources.count) resources, \(created) new referrals"
        guard !loadedBefore else { return head + "; history already loaded, skipped." }
        guard let history = try await loadHistory(clinicID: clinic.id, today: today) else {
            return head + "; history already loaded, skipped."
        }
        for (step, times) in history.skipped.sorted(by: { $0.key < $1.key }) {
            FileHandle.standardError.write(Data("skipped \(times)x \(step)\n".utf8))
        }
        return head + "; history: \(history.referralsCreated) referrals over \(Self.historyDays) days to yesterday, "
            + "\(history.evaluations) evaluations, \(history.proceduresDone) procedures, "
            + "\(history.visitsCancelled + history.referralsCancelled) cancellations"
            + (history.skippedTotal > 0 ? ", \(history.skippedTotal) skipped." : ".")
    }

    /// Six weeks ending yesterday, with a fixed seed; nil when its first result already exists.
    private func loadHistory(clinicID: ClinicID, today: LocalDate) async throws -> ClinicSimulation.Summary? {
        let setup = try await services.setup.clinicSetup(
            id: clinicID, actor: Actor(principal: .commandLine(Self.actorName), requestID: nil, at: clock.now))
        let yesterday = today.adding(days: -1)
        let plan = ClinicSimulation.Plan(
            clinic: setup, referrals: Self.historyReferrals, firstDay: yesterday.adding(days: -(Self.historyDays - 1)),
            lastDay: yesterday,
            seed: Self.historySeed, mrnPrefix: "DSC-H", accessionPrefix: "DSC-H", keyPrefix: "demo-history-",
            sourceSystems: ["desert-ris", "sonoran-imaging"], actorName: Self.actorName, missOneVisitOnLastDay: true)
        do {
            return try await ClinicSimulation(services: services, clock: clock, plan: plan).run(progress: { _ in })
        } catch is ClinicSimulation.AlreadyLoaded {
            return nil
        }
    }

    /// A day some days before today and a wall-clock time on it, in the clinic's zone.
    struct RelativeTime {
        let daysAgo: Int
        let minute: Int

        init(daysAgo: Int, at time: String) {
            self.daysAgo = daysAgo
            // The times below are literals; a malformed one would read as midnight.
            minute = (try? LocalTime(time).minutesSinceMidnight) ?? 0
        }

        func instant(_ today: LocalDate, _ calendar: LocalCalendar) -> Date {
            calendar.instant(today.adding(days: -daysAgo), minute: minute)
        }
    }

    /// One demo patient: the imaging that shows the fracture and the referral made from it.
    struct Case {
        let accession: String
        let modality: Modality
        let performed: RelativeTime
        let referred: RelativeTime
        /// Days before today the symptoms began; nil when the referrer did not say.
        let onsetDaysAgo: Int?
        let patient: ReferralDraft.PatientDraft
        let findings: [ImagingResultDraft.FindingDraft]
        let impression: String
        let referral: ReferralDraft

        func imaging(clinicID: ClinicID, today: LocalDate, _ calendar: LocalCalendar) -> ImagingResultDraft {
            ImagingResultDraft(
                clinicID: clinicID.description, sourceSystem: "desert-ris", accessionNumber: accession, status: .final,
                modality: modality, performedAt: performed.instant(today, calendar), patient: patient,
                impression: impression, findings: findings)
        }
    }

    /// The week's named intake. Benally (urgent) is overdue by yesterday, Kowalczyk's candidacy
    /// window closes about ten days from today, Delgado goes to surgical review.
    static let cases: [Case] = {
        func referral(
            _ clinician: String, _ npi: String?, _ reason: String, flags: ClinicalFlags = ClinicalFlags(),
            payer: String? = "Medicare"
        ) -> ReferralDraft {
            ReferralDraft(
                clinicID: nil, patient: nil, referringClinicianName: clinician, referringClinicianNPI: npi,
                reason: reason,
                symptomOnset: nil, flags: flags, payer: payer)
        }
        return [
            Case(
                accession: "MR-2026-1101", modality: .mri, performed: RelativeTime(daysAgo: 6, at: "09:30"),
                referred: RelativeTime(daysAgo: 4, at: "10:20"), onsetDaysAgo: 40,
                patient: .init(
                    mrn: "DSC-100234", givenName: "Eleanor", familyName: "Whitfield", birthDate: "1958-03-14",
                    sex: .female),
                findings: [.init(level: "L1", heightLossPercent: 30, morphology: .wedge, edema: .present)],
                impression: "Acute L1 wedge compression fracture, 30% height loss, STIR edema. No retropulsion.",
                referral: referral(
                    "Dr. Samuel Ortiz", "1234567893",
                    "L1 wedge fracture with STIR edema; pain NRS 7 despite 5 weeks of bracing.",
                    flags: ClinicalFlags(knownOsteoporosis: true))),
            Case(
                accession: "XR-2026-2207", modality: .xRay, performed: RelativeTime(daysAgo: 5, at: "11:00"),
                referred: RelativeTime(daysAgo: 5, at: "14:10"), onsetDaysAgo: 7,
                patient: .init(
                    mrn: "DSC-100871", givenName: "Harold", familyName: "Benally", birthDate: "1949-11-02", sex: .male),
                findings: [.init(level: "T12", heightLossPercent: 35, morphology: .biconcave, edema: .unknown)],
                impression: "T12 biconcave compression deformity, age indeterminate.",
                referral: referral(
                    "Dr. Lucy Tran", nil, "T12 fracture after a minor fall; long-term prednisone; severe pain.",
                    flags: ClinicalFlags(longTermSteroids: true, severePain: true))),
            Case(
                accession: "XR-2026-2231", modality: .xRay, performed: RelativeTime(daysAgo: 2, at: "10:15"),
                referred: RelativeTime(daysAgo: 1, at: "09:05"), onsetDaysAgo: nil,
                patient: .init(
                    mrn: "DSC-101422", givenName: "Margaret", familyName: "Oyelaran", birthDate: "1962-07-21",
                    sex: .female),
                findings: [
                    .init(
                        level: "L3", heightLossPercent: 28, morphology: .wedge, edema: .unknown,
                        suspectedMalignancy: true)
                ],
                impression: "L3 compression fracture; lytic change cannot be excluded.",
                referral: referral(
                    "Dr. Samuel Ortiz", "1234567893", "L3 fracture; known breast cancer, new back pain.",
                    flags: ClinicalFlags(cancerHistory: true))),
            Case(
                accession: "MR-2026-0977", modality: .mri, performed: RelativeTime(daysAgo: 20, at: "08:00"),
                referred: RelativeTime(daysAgo: 12, at: "13:30"), onsetDaysAgo: 74,
                patient: .init(
                    mrn: "DSC-102019", givenName: "Walter", familyName: "Kowalczyk", birthDate: "1944-01-30", sex: .male
                ),
                findings: [
                    .init(level: "T8", heightLossPercent: 25, morphology: .wedge, edema: .present),
                    .init(level: "T9", heightLossPercent: 32, morphology: .wedge, edema: .present),
                ],
                impression: "Subacute T8 and T9 wedge fractures with marrow edema.",
                referral: referral(
                    "Dr. Amina Yusuf", "1987654320",
                    "T8 and T9 fractures, osteoporosis, NRS 6 stable after 6 weeks of physical therapy.",
                    flags: ClinicalFlags(knownOsteoporosis: true))),
            Case(
                accession: "CT-2026-3310", modality: .ct, performed: RelativeTime(daysAgo: 1, at: "06:40"),
                referred: RelativeTime(daysAgo: 1, at: "08:30"), onsetDaysAgo: 2,
                patient: .init(
                    mrn: "DSC-102377", givenName: "Rosa", familyName: "Delgado", birthDate: "1953-05-09", sex: .female),
                findings: [
                    .init(level: "L2", heightLossPercent: 45, morphology: .crush, edema: .unknown, retropulsion: true)
                ],
                impression: "L2 burst-type compression with 30% canal compromise from retropulsed fragment.",
                referral: referral(
                    "Dr. Lucy Tran", nil, "L2 crush fracture with retropulsion on CT; leg weakness reported.",
                    flags: ClinicalFlags(neurologicalDeficit: true))),
        ]
    }()
}
