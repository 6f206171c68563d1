import ClinicApp
import ClinicServices
import ServiceLifecycle

/// The webhook dispatcher as one of `clinic serve`'s services: it stops delivering when the
/// server begins to shut down (a delivery cut short is delivered again later: at least once).
struct WebhookDeliveries: Service {
    let dispatcher: WebhookDispatcher
    let transport: HTTPWebhookTransport

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            await dispatcher.run()
        }
        await transport.shutdown()
    }
}
