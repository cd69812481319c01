package dev.wallet.balancecache.model;

/**
 * A wallet's or a system account's balances as the hot tier holds them, with the sequence of its
 * last posting (a system account has no held bucket: 0).
 *
 * @param id the ledger's account id (a wallet id, or a system account's name:CUR:sNNNN)
 */
public record AccountState(String id, long available, long held, long seq) {

  public boolean wallet() {
    return WalletId.isWalletId(id);
  }
}
