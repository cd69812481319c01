package dev.wallet.ledger;

/**
 * A database of the ledger refused a read because this process's placement disagrees with where
 * the shards are (a move it does not know, or one not finished): a failure of the ledger, never an
 * empty or doubled answer.
 */
public final class PlacementOutOfDateException extends IllegalStateException {

  public PlacementOutOfDateException(String message, Throwable cause) {
    super(message, cause);
  }
}
