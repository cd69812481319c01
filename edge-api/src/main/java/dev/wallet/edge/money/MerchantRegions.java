package dev.wallet.edge.money;

import dev.wallet.balancecache.command.Refund;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.edge.http.Reply;
import io.vertx.core.Future;
import java.util.Optional;

/**
 * What this region asks another about that region's merchants (docs/architecture.md, "Regions"):
 * the signed channel between regions answers it. A failed future when the region did not answer.
 */
public interface MerchantRegions {

  /** {@code wallet} as a merchant of {@code region}, with the fee that region charges; empty when it is none. */
  Future<Optional<Merchants.Merchant>> merchant(String region, WalletId wallet);

  /** {@code refund} of a payment to {@code merchant}, asked of its region: answered as that region answers it. */
  Future<Reply> refund(String region, Refund refund, WalletId merchant);
}
