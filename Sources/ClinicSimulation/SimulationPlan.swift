import ClinicDomain
import ClinicServices
import Foundation

/// What the scheduling desk and the clinic do next, at an instant.
enum Step {
    case startDay(offset: Int)
    case imaging(index: Int)
    case refer(index: Int)
    case book(index: Int, kind: VisitKind)
    case morningRound
    case remind(index: Int, appointment: AppointmentID)
    case arrive(index: Int, appointment: AppointmentID)
    case missed(index: Int, appointment: AppointmentID)
    case finish(index: Int, appointment: AppointmentID)
    case cancelVisit(index: Int, appointment: AppointmentID)
    case cancelReferral(index: Int)
    case handOffToSurgery(index: Int)
}

/// The steps still to come, earliest first; steps at the same instant in the order they were planned.
struct Agenda {
    struct Entry {
        let at: Date
        let order: Int
        let step: Step

        func precedes(_ other: Entry) -> Bool { (at, order) < (other.at, other.order) }
    }

    private var heap: [Entry] = []
    private var planned = 0

    mutating func push(_ step: Step, at: Date) {
        heap.append(Entry(at: at, order: planned, step: step))
        planned += 1
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].precedes(heap[parent]) else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> Entry? {
        guard let first = heap.first else { return nil }
        let last = heap.removeLast()
        guard !heap.isEmpty else { return first }
        heap[0] = last
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < heap.count, heap[left].precedes(heap[smallest]) { smallest = left }
            if right < heap.count, heap[right].precedes(heap[smallest]) { smallest = right }
            guard smallest != parent else { break }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
        return first
    }
}

/// Referrals waiting for a time, first come first served within a line.
struct Backlog {
    /// The desk's lines, in the order it works them.
    enum Line: CaseIterable {
        case urgentEvaluation, evaluation, procedure, followUp

        var kind: VisitKind {
            switch self {
            case .urgentEvaluation, .evaluation: .evaluation
            case .procedure: .procedure
            case .followUp: .followUp
            }
        }
    }

    private var items: [Int] = []
    private var head = 0

    var first: Int? { head < items.count ? items[head] : nil }

    mutating func append(_ index: Int) { items.append(index) }

    mutating func removeFirst() {
        head += 1
        // Reclaims the served part now and then, so a long run does not keep every index ever queued.
        if head > 1024, head * 2 > items.count {
            items.removeFirst(head)
            head = 0
        }
    }
}

/// A live booking the simulation follows.
struct Booking {
    let id: AppointmentID
    let kind: VisitKind
    let start: Date
    let end: Date
}

/// Where one referral is, mirrored from what the services answered.
struct Journey {
    let profile: Profile
    var imagingResultID: ImagingResultID?
    /// Set once the referral is made; a journey without one has nothing to book.
    /// The nil UUID until the referral is made.
    var referralID = ReferralID(UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)))
    var status: ReferralStatus = .received
    var urgent = false
    var booking: Booking?
    var consented = false
    var disruptions = 0
    var procedureLeadDays = 7
    var procedureDay: LocalDate?

    init(profile: Profile) { self.profile = profile }

    /// Whether the referral is waiting for a booking of this kind: none ahead, and the state
    /// machine allows booking one from where it is.
    func needs(_ kind: VisitKind) -> Bool {
        booking == nil && kind.bookingTransition.isAllowed(from: status)
    }

    /// Follows a move the services just made, by the same state machine; a move it refuses means
    /// the replay lost track of the referral, which ends the run as the bug it is.
    mutating func follow(_ transition: ReferralTransition) throws {
        status = try transition.apply(to: status)
    }
}

/// How the evaluation will go, decided by what the imaging shows.
enum EvaluationPlan {
    /// Recent fracture, enough pain, nothing against: a candidate, for these levels.
    case candidate([VertebralLevel])
    /// Recent fracture but mild pain: not a candidate.
    case lowPain([VertebralLevel])
    /// No edema: a healed fracture, not a candidate.
    case notRecent([VertebralLevel])
    /// X-ray or CT cannot date the fracture: deferred until an MRI.
    case needsMRI([VertebralLevel])
}

/// One patient's imaging, referral and the course their evaluation will take.
struct Profile {
    let index: Int
    let patient: ReferralDraft.PatientDraft
    let source: String
    let accession: String
    let modality: Modality
    let performedAt: Date
    let findings: [ImagingResultDraft.FindingDraft]
    let impression: String
    let onset: LocalDate?
    let flags: ClinicalFlags
    let payer: String?
    let clinician: (name: String, npi: String?)
    let reason: String
    let evaluation: EvaluationPlan
    let anesthesia: AnesthesiaPlan
    let anticoagulant: Anticoagulant
    let hardToReach: Bool
    let cancelAfterDays: Int?
}
