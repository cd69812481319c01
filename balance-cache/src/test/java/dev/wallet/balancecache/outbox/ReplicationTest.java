package dev.wallet.balancecache.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ReplicationTest {

  private static final String READ = """
    # Replication\r
    role:master\r
    connected_slaves:2\r
    slave0:ip=127.0.0.1,port=7104,state=online,offset=900,lag=0\r
    slave1:ip=127.0.0.1,port=7107,state=wait_bgsave,offset=0,lag=0\r
    master_failover_state:no-failover\r
    master_replid:aaaa\r
    master_replid2:0000000000000000000000000000000000000000\r
    master_repl_offset:1000\r
    """;

  @Test
  @DisplayName("an online replica vouches for a read once it has acknowledged the read's offset, in the same history only")
  void vouchedForBySameHistoryOnly() {
    Replication read = Replication.parse(READ);

    assertThat(read.offset()).isEqualTo(1000);
    assertThat(read.acknowledged()).as("online replicas only").containsExactly(900L);
    assertThat(read.heldBy(1)).as("behind the read").isFalse();
    assertThat(read.heldBy(0)).isTrue();
    assertThat(read.heldBy(Replication.parse(READ.replace("offset=900", "offset=1000")), 1)).isTrue();
    assertThat(read.heldBy(Replication.parse(READ.replace("offset=900", "offset=1000")), 2)).isFalse();
    assertThat(read.heldBy(Replication.parse(READ.replace("offset=900", "offset=5000")
      .replace("master_replid:aaaa", "master_replid:bbbb")), 1)).as("after a failover").isFalse();
    assertThat(Replication.parse(READ.replace("role:master", "role:slave")).heldBy(1)).as("not a master").isFalse();
  }
}
