package org.legonet.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The load run's pieces: reading /metrics (and what the service puts there), the sender pool, the settings. */
class LoadRunTest {
    /**
     * The request log's counters, which the run reads for fsyncs per request, count after a
     * garbage collection too (a function counter holds what it reads only weakly).
     */
    @Test
    void theRequestLogsCountersSurviveAGarbageCollection(@TempDir Path tmp) {
        try (LegoNetServer server = LegoNetServer.start(Fixture.config(Fixture.model(tmp.resolve("m"))).build())) {
            Fixture.Http http = new Fixture.Http(server);
            http.awaitDone(http.forget("{\"ids\": [" + Fixture.privateId(1) + "]}"));
            System.gc();
            Map<String, Double> m = LoadRun.prometheus(http.get("/metrics").body());
            assertThat(m.get("legonet_wal_records_total")).isEqualTo(1.0);
            assertThat(m.get("legonet_wal_fsyncs_total")).isEqualTo(1.0);
        }
    }

    @Test
    void prometheusTextIsSummedOverLabelSetsAndOddLinesAreSkipped() {
        Map<String, Double> m = LoadRun.prometheus("""
                # HELP legonet_wal_fsyncs_total Fsyncs of the request log
                # TYPE legonet_wal_fsyncs_total counter
                legonet_wal_fsyncs_total 12.0
                legonet_wal_records_total{log="requests"} 30.0 1700000000000
                legonet_wal_records_total{log="odd } \\" value",x="y"} 2
                legonet_request_to_masked_seconds_bucket{le="+Inf"} 5
                legonet_request_to_masked_seconds_bucket{le="0.05"} 4
                legonet_up +Inf
                legonet_wal_fsyncs_total_created 1.7E9

                garbage line without a number
                {le="1"} 3
                """);
        assertThat(m.get("legonet_wal_fsyncs_total")).isEqualTo(12.0);
        assertThat(m.get("legonet_wal_records_total")).isEqualTo(32.0);
        assertThat(m.get("legonet_request_to_masked_seconds_bucket")).isEqualTo(9.0);
        assertThat(m.get("legonet_up")).isInfinite();
        assertThat(m.get("legonet_wal_fsyncs_total_created")).isEqualTo(1.7e9);
        assertThat(m).doesNotContainKeys("garbage", "", "#");
        assertThat(m).hasSize(5);
    }

    @Test
    void theSenderPoolHoldsHalfASecondOfRequests() {
        assertThat(LoadRun.senders(1)).isEqualTo(8);
        assertThat(LoadRun.senders(100)).isEqualTo(50);
        assertThat(LoadRun.senders(1e6)).isEqualTo(64);
    }

    @Test
    void aRateMustBePositiveAndFinite() {
        for (double bad : new double[] {0, -1, Double.NaN, Double.POSITIVE_INFINITY}) {
            assertThatThrownBy(() -> new LoadRun.Settings(8, bad, 1, Duration.ofSeconds(1)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("forget rate");
        }
    }
}
