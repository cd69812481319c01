package dev.wallet.ledger;

import java.util.Optional;

/**
 * What the chain verifier found: how much it checked and, if any, the first broken link in
 * (account, seq, idx) order: the entry whose stored hash is not sha256(previous hash || its content).
 */
public record ChainVerification(long accounts, long entries, Optional<BrokenLink> firstBroken) {

  public boolean intact() {
    return firstBroken.isEmpty();
  }

  public record BrokenLink(String accountId, long seq, int idx, String postingId, String storedHashHex,
                           String expectedHashHex) {

    @Override
    public String toString() {
      return "account " + accountId + " seq " + seq + " idx " + idx + " (posting " + postingId + "): stored hash "
        + storedHashHex + ", content and previous link give " + expectedHashHex;
    }
  }
}
