import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A tiny WebSocket client for the wallet's live balance events, with nothing but the JDK:
 *   java edge-api/tools/WatchBalance.java ws://localhost:8081/v1/wallets/<id>/events <token> [seconds]
 * Prints every message as it arrives, then how the socket closed.
 */
public class WatchBalance {

  public static void main(String[] args) throws Exception {
    URI uri = URI.create(args[0]);
    String token = args[1];
    long seconds = args.length > 2 ? Long.parseLong(args[2]) : 60;
    CountDownLatch closed = new CountDownLatch(1);
    WebSocket socket = HttpClient.newHttpClient().newWebSocketBuilder()
      .header("Authorization", "Bearer " + token)
      .connectTimeout(Duration.ofSeconds(5))
      .buildAsync(uri, new WebSocket.Listener() {
        private final StringBuilder text = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
          text.append(data);
          if (last) {
            System.out.println("[socket] " + text);
            text.setLength(0);
          }
          webSocket.request(1);
          return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
          System.out.println("[socket] closed " + statusCode + " " + reason);
          closed.countDown();
          return CompletableFuture.completedFuture(null);
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
          System.out.println("[socket] error " + error);
          closed.countDown();
        }
      }).join();
    if (!closed.await(seconds, TimeUnit.SECONDS)) {
      socket.sendClose(WebSocket.NORMAL_CLOSURE, "done watching").join();
    }
  }
}
