package dev.wallet.balancecache.impl;

import java.util.List;

/** Every script the money core runs. */
final class Scripts {

  /** The ledger writer's publication of its position (RedisLedgerOutbox), which only moves it forward. */
  static final LuaScript PUBLISH_POSITION = LuaScript.alone("publish_position");

  final LuaScript openWallet = LuaScript.load("open_wallet");
  final LuaScript credit = LuaScript.load("credit");
  final LuaScript move = LuaScript.load("move");
  final LuaScript moveBatch = LuaScript.load("move_batch");
  final LuaScript sagaDebit = LuaScript.load("saga_debit");
  final LuaScript sagaCredit = LuaScript.load("saga_credit");
  final LuaScript sagaFinish = LuaScript.load("saga_finish");
  final LuaScript sagaLocal = LuaScript.sagaInOneScript();
  final LuaScript hold = LuaScript.load("hold");
  final LuaScript finishHold = LuaScript.load("finish_hold");
  final LuaScript capture = LuaScript.load("capture");
  final LuaScript setStatus = LuaScript.load("set_status");
  final LuaScript answered = LuaScript.load("answered");

  List<LuaScript> all() {
    return List.of(openWallet, credit, move, moveBatch, sagaDebit, sagaCredit, sagaFinish, sagaLocal, hold, finishHold, capture,
      setStatus, answered, PUBLISH_POSITION);
  }
}
