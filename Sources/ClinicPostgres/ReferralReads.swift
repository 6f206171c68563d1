import ClinicDomain
import ClinicServices
import Foundation
import PostgresNIO

/// The two referral reads every screen makes, prepared once per connection: PostgreSQL parses
/// them and applies the row-level security policies once instead of for every request.
enum ReferralReads {
    /// One referral with its patient.
    struct ByID: PostgresPreparedStatement {
        typealias Row = Referral
        static let name = "referral_by_id"
        static let sql = """
            SELECT \(ReferralRows.columns) FROM referrals r JOIN patients p ON p.id = r.patient_id
            WHERE r.id = $1
            """
        let id: ReferralID

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 1)
            bindings.append(id.rawValue)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> Referral { try ReferralRows.decode(row) }
    }

    /// A page of the list, newest first. Every filter is a parameter that may be null. Parsing
    /// and rewriting happen once; PostgreSQL keeps planning each execution for its values as
    /// long as the generic plan is estimated dearer, which it is (measured: a forced generic
    /// plan cannot use the index a given filter needs and took 6.5 ms against 0.3 ms).
    struct Page: PostgresPreparedStatement {
        typealias Row = Referral
        static let name = "referral_page"
        static let sql = """
            SELECT \(ReferralRows.columns)
            FROM referrals r JOIN patients p ON p.id = r.patient_id JOIN clinics c ON c.id = r.clinic_id
            WHERE ($1::text IS NULL OR r.status = $1)
              AND ($2::text IS NULL OR r.urgency = $2)
              AND ($3::uuid IS NULL OR r.clinic_id = $3)
              AND ($4::uuid[] IS NULL OR r.clinic_id = ANY($4))
              AND ($5::uuid IS NULL OR r.patient_id = $5)
              AND ($6::timestamptz IS NULL OR r.created_at >= $6)
              AND ($7::timestamptz IS NULL OR r.created_at < $7)
              AND ($8::boolean IS NULL OR $8 = (r.status = ANY($9::text[])
                   AND r.evaluation_due_on < ($10::timestamptz AT TIME ZONE c.time_zone)::date))
              AND ($11::int IS NULL OR (r.status = ANY($12::text[])
                   AND r.window_closes_on >= ($10::timestamptz AT TIME ZONE c.time_zone)::date
                   AND r.window_closes_on <= ($10::timestamptz AT TIME ZONE c.time_zone)::date + $11::int))
              AND ($13::bigint IS NULL
                   OR (date_trunc('microseconds', r.created_at), r.id)
                      < ('epoch'::timestamptz + $13::bigint * interval '1 microsecond', $14))
              AND ($16::text[] IS NULL OR r.status = ANY($16))
              AND ($17::text IS NULL OR coalesce(r.urgency_override, r.urgency) = $17)
            ORDER BY r.created_at DESC, r.id DESC
            LIMIT $15
            """
        let query: ReferralQuery

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 17)
            bindings.append(query.status?.code)
            bindings.append(query.urgency?.rawValue)
            bindings.append(query.clinicID?.rawValue)
            // Row-level security filters by scope anyway; saying it here lets the clinic index
            // serve a scoped token's list that names no clinic.
            bindings.append(query.scope.clinicIDs?.map(\.rawValue))
            bindings.append(query.patientID?.rawValue)
            bindings.append(query.createdFrom)
            bindings.append(query.createdBefore)
            bindings.append(query.overdue)
            bindings.append(PostgresReferralStore.awaitingEvaluation)
            bindings.append(query.now)
            // `$11::int` is a 4-byte parameter once prepared; the service bounds the value.
            bindings.append(query.windowClosingWithinDays.map { Int32(clamping: $0) })
            bindings.append(PostgresReferralStore.withoutProcedure)
            // Whole microseconds: a Date made from them may encode one microsecond early.
            bindings.append(query.after?.createdAtMicroseconds)
            bindings.append(query.after?.id.rawValue)
            // One extra row tells whether another page follows.
            bindings.append(query.limit + 1)
            bindings.append(query.statuses?.map(\.code))
            bindings.append(query.effectiveUrgency?.rawValue)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> Referral { try ReferralRows.decode(row) }
    }
}
