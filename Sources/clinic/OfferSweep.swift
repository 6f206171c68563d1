import ClinicServices
import Foundation
import Logging
import ServiceLifecycle

/// Ends waitlist offers when they expire and offers each freed time to the next candidate, so
/// that neither waits for someone to open the waitlist. Every server runs it; two expiring the
/// same offer is harmless (the second finds it ended and moves on).
struct OfferSweep: Service {
    let waitlist: WaitlistService
    let now: @Sendable () -> Date
    let interval: Duration
    let logger: Logger

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await waitlist.passOnExpiredOffers(
                        actor: Actor(principal: .commandLine("offer-expiry"), requestID: nil, at: now()))
                } catch is CancellationError {
                    return
                } catch {
                    logger.warning("expiring waitlist offers failed; retrying", metadata: ["error": "\(error)"])
                }
                try? await Task.sleep(for: interval)
            }
        }
    }
}
