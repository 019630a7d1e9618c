package org.legonet.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.legonet.server.MaskCheck.Answer;
import org.legonet.server.MaskCheck.Request;

/** The load run's masking check on synthetic answers and requests, against a naive scan. */
class MaskCheckTest {
    /** An answer whose mask id is its generation and adapters, as a server's would be one label per mask. */
    private static Answer answer(long sent, long generation, int[] mask, int[]... voters) {
        int[] sorted = mask.clone();
        Arrays.sort(sorted);
        return new Answer(sent, generation, generation + "-" + Arrays.toString(sorted).replace(" ", ""), mask, voters);
    }

    private static int[] a(int... v) {
        return v;
    }

    /** Request r1 (202 at 100) masks 3 and 5 until generation 2; r2 (202 at 300) masks 7 and is never committed. */
    private static final List<Request> REQUESTS = List.of(new Request("r1", 100, a(3, 5), 2),
            new Request("r2", 300, a(7), -1));

    @Test
    void answersThatHonourEveryOpenMaskAreClean() {
        List<Answer> answers = List.of(
                answer(50, 1, a(), a(3, 4)),          // sent before r1's 202: may use 3
                answer(100, 1, a(), a(3, 4)),         // sent at the very instant the 202 arrived: not after it
                answer(150, 1, a(5, 3), a(4, 6)),     // under r1's mask, names it (in any order), votes around it
                answer(200, 2, a(), a(3, 5)),         // r1 committed at generation 2: 3 and 5 are back
                answer(310, 2, a(7), a(3), a(5, 6)),  // r2 open: 7 masked, several predictions
                answer(400, 9, a(7), a(6)));          // r2 never committed: still masked at any generation
        MaskCheck.Result r = MaskCheck.check(answers, REQUESTS, 5);
        assertThat(r.clean()).isTrue();
        assertThat(r.answers()).isEqualTo(6);
        assertThat(r.answersUnderMask()).isEqualTo(3);
        assertThat(r.firstViolations()).isEmpty();
    }

    @Test
    void eachKindOfBreachIsCountedAndNamed() {
        List<Answer> answers = List.of(
                answer(40, 1, a(4), a(4)),            // votes with an adapter its own mask names
                answer(150, 1, a(3, 5), a(3, 4)),     // votes with 3 while r1 holds it
                answer(160, 1, a(3), a(4)),           // its mask leaves out 5, which r1 holds
                answer(170, 1, a(3, 5), a(4)),        // fine
                answer(500, 8, a(), a(6)));           // leaves out r2's 7
        MaskCheck.Result r = MaskCheck.check(answers, REQUESTS, 2);
        assertThat(r.clean()).isFalse();
        assertThat(r.violations()).isEqualTo(4);
        assertThat(r.firstViolations()).hasSize(2);
        assertThat(r.firstViolations().get(0)).startsWith("answer sent at 0.000000 s (generation 1, mask 1-[4] [4]): ")
                .contains("prediction 0 has adapter 4 among its voters, which its own mask names");
        assertThat(r.firstViolations().get(1)).contains("generation 1, mask 1-[3,5] [3,5]")
                .contains("prediction 0 has adapter 3 among its voters, masked for request r1")
                .contains("committed at generation 2");
        assertThat(MaskCheck.check(answers.subList(2, 3), REQUESTS, 5).firstViolations()).singleElement()
                .asString().contains("its mask does not name adapter 5, masked for request r1");
        assertThat(MaskCheck.check(answers.subList(4, 5), REQUESTS, 5).firstViolations()).singleElement()
                .asString().contains("adapter 7, masked for request r2").contains("not committed");
    }

    @Test
    void answersNamingOneMaskIdNameOneGenerationAndOneSetOfAdapters() {
        List<Answer> answers = List.of(new Answer(10, 1, "1-7", new int[] {2, 4}, new int[][] {{1}}),
                new Answer(20, 1, "1-7", new int[] {4, 2}, new int[][] {{1}}),
                new Answer(30, 1, "1-7", new int[] {2}, new int[][] {{1}}),
                new Answer(40, 2, "1-7", new int[] {2, 4}, new int[][] {{1}}));
        MaskCheck.Result r = MaskCheck.check(answers, List.of(), 5);
        assertThat(r.violations()).isEqualTo(2);
        assertThat(r.firstViolations().get(0)).contains("mask 1-7 [2]")
                .endsWith("an answer sent at 0.000000 s named the same mask id with generation 1 and adapters [2,4]");
        assertThat(r.firstViolations().get(1)).contains("(generation 2, mask 1-7 [2,4])");
    }

    @Test
    void aServerThatDoesNotReportMasksIsNeverClean() {
        MaskCheck.Result noMask = MaskCheck.check(List.of(new Answer(150, 1, null, null, null)), REQUESTS, 5);
        assertThat(noMask.clean()).isFalse();
        assertThat(noMask.unavailable()).contains("the server does not report masks").contains("1 of 1 answers");
        MaskCheck.Result noStatus = MaskCheck.check(List.of(answer(150, 1, a(3, 5), a(4))),
                List.of(new Request("r1", 100, null, -1)), 5);
        assertThat(noStatus.clean()).isFalse();
        assertThat(noStatus.unavailable()).contains("1 of 1 forget statuses without masked_adapters");
    }

    /** The sweep finds exactly the answers a scan of every answer against every request finds. */
    @Test
    void theSweepAgreesWithANaiveScan() {
        Random rnd = new Random(7);
        for (int round = 0; round < 200; round++) {
            int adapters = 2 + rnd.nextInt(12);
            List<Request> requests = new ArrayList<>();
            for (int i = rnd.nextInt(6); i > 0; i--) {
                requests.add(new Request("r" + i, rnd.nextInt(100), subset(rnd, adapters, 3),
                        rnd.nextInt(4) == 0 ? -1 : rnd.nextInt(5)));
            }
            List<Answer> answers = new ArrayList<>();
            for (int i = rnd.nextInt(30); i > 0; i--) {
                int[][] voters = new int[1 + rnd.nextInt(3)][];
                for (int p = 0; p < voters.length; p++) {
                    voters[p] = subset(rnd, adapters, 3);
                }
                answers.add(answer(rnd.nextInt(100), rnd.nextInt(5), subset(rnd, adapters, 5), voters));
            }
            assertThat(MaskCheck.check(answers, requests, 0).violations()).as("round %d", round)
                    .isEqualTo(answers.stream().filter(x -> breaks(x, requests)).count());
        }
    }

    private static boolean breaks(Answer x, List<Request> requests) {
        for (int[] v : x.voters()) {
            for (int j : v) {
                if (x.masks(j)) {
                    return true;
                }
            }
        }
        for (Request r : requests) {
            if (r.ackNanos() < x.sentNanos() && (r.committedGeneration() < 0 || x.generation() < r.committedGeneration())) {
                for (int j : r.masked()) {
                    if (!x.masks(j)) {
                        return true;
                    }
                    for (int[] v : x.voters()) {
                        for (int k : v) {
                            if (k == j) {
                                return true;
                            }
                        }
                    }
                }
            }
        }
        return false;
    }

    private static int[] subset(Random rnd, int n, int max) {
        return rnd.ints(rnd.nextInt(max + 1), 0, n).distinct().toArray();
    }
}
