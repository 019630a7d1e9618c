package org.legonet.server;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;

/**
 * The load run's masking check, over what a client saw: no predict answer sent after a forget
 * request's 202 arrived used an adapter holding the request's samples, until the commit that
 * retrained those adapters. For every answer A sent after request R's 202 was received, with
 * {@code A.generation < R.committed_generation} (or R not committed): no prediction of A has a
 * voter among R's masked adapters, and A's mask names each of them. Each answer's voters are also
 * disjoint from its own mask, and answers naming the same {@code mask.id} name the same generation
 * and adapters (the id labels one mask).
 *
 * <p>Runs in one sweep: requests by the time their 202 arrived, answers by the time they were
 * sent; each adapter keeps the latest generation up to which an open request needs it masked, so an
 * answer costs its voters plus the adapters ever masked, whatever the number of requests.
 */
public final class MaskCheck {
    private MaskCheck() {
    }

    /**
     * One predict answer as the client saw it.
     *
     * @param sentNanos  when the request was sent (client clock, the same origin as the requests')
     * @param generation the answer's model generation
     * @param maskId     the answer's {@code mask.id}, or null when the server does not report it
     * @param mask       the answer's {@code mask.adapters} (any order), or null when not reported
     * @param voters     per prediction, the adapters that voted; null when not reported
     */
    public record Answer(long sentNanos, long generation, String maskId, int[] mask, int[][] voters) {
        /** Keeps {@code mask} ascending (a copy), so membership is a binary search. */
        public Answer {
            if (mask != null) {
                mask = mask.clone();
                Arrays.sort(mask);
            }
        }

        boolean masks(int adapter) {
            return Arrays.binarySearch(mask, adapter) >= 0;
        }
    }

    /**
     * One acknowledged forget request.
     *
     * @param id                  its request id
     * @param ackNanos            when its 202 arrived (client clock, the answers' origin)
     * @param masked              its {@code masked_adapters}, or null when its status does not report them
     * @param committedGeneration the generation of the model that no longer holds its samples, or -1
     *                            when it was not committed (masked until the end of the run)
     */
    public record Request(String id, long ackNanos, int[] masked, long committedGeneration) {
        long maskedUntil() {
            return committedGeneration < 0 ? Long.MAX_VALUE : committedGeneration;
        }
    }

    /**
     * What the check found.
     *
     * @param answers          answers checked
     * @param answersUnderMask of which some acknowledged, uncommitted request required masking
     * @param violations       answers that broke the rule (each counted once)
     * @param firstViolations  the first few, in the order the answers were sent, in detail
     * @param unavailable      why the check could not be made (the server does not report masks), or null
     */
    public record Result(long answers, long answersUnderMask, long violations, List<String> firstViolations,
                         String unavailable) {
        /** The check was made and found nothing. */
        public boolean clean() {
            return unavailable == null && violations == 0;
        }
    }

    /**
     * Checks {@code answers} against {@code requests}; details at most {@code detail} violations.
     * Times in the details are seconds from the clocks' origin.
     */
    public static Result check(List<Answer> answers, List<Request> requests, int detail) {
        long noMask = answers.stream().filter(a -> a.mask() == null || a.voters() == null).count();
        long noStatus = requests.stream().filter(r -> r.masked() == null).count();
        if (noMask > 0 || noStatus > 0) {
            return new Result(answers.size(), 0, 0, List.of(), String.format(Locale.ROOT,
                    "the server does not report masks (%d of %d answers without mask and voters, %d of %d forget "
                            + "statuses without masked_adapters)", noMask, answers.size(), noStatus, requests.size()));
        }
        Answer[] byTime = answers.toArray(Answer[]::new);
        Arrays.sort(byTime, Comparator.comparingLong(Answer::sentNanos));
        Request[] byAck = requests.toArray(Request[]::new);
        Arrays.sort(byAck, Comparator.comparingLong(Request::ackNanos));
        int n = 0;
        for (Request r : byAck) {
            for (int j : r.masked()) {
                n = Math.max(n, j + 1);
            }
        }
        // until[j]: answers of a generation below it must mask adapter j; holder[j]: a request that needs it
        long[] until = new long[n];
        Arrays.fill(until, Long.MIN_VALUE);
        Request[] holder = new Request[n];
        int[] ever = new int[n];
        int everMasked = 0;
        int next = 0;
        long underMask = 0;
        long violations = 0;
        List<String> details = new ArrayList<>();
        Map<String, Answer> byMaskId = new HashMap<>();
        for (Answer a : byTime) {
            for (; next < byAck.length && byAck[next].ackNanos() < a.sentNanos(); next++) {
                Request r = byAck[next];
                for (int j : r.masked()) {
                    if (holder[j] == null) {
                        ever[everMasked++] = j;
                    }
                    if (holder[j] == null || r.maskedUntil() > until[j]) {
                        until[j] = r.maskedUntil();
                        holder[j] = r;
                    }
                }
            }
            String problem = null;
            Answer same = a.maskId() == null ? a : byMaskId.putIfAbsent(a.maskId(), a);
            if (same != null && same != a && (same.generation() != a.generation() || !Arrays.equals(same.mask(), a.mask()))) {
                problem = "an answer sent at " + seconds(same.sentNanos()) + " s named the same mask id with generation "
                        + same.generation() + " and adapters [" + join(same.mask()) + "]";
            }
            boolean under = false;
            for (int i = 0; i < everMasked; i++) {
                int j = ever[i];
                if (until[j] > a.generation()) {
                    under = true;
                    if (problem == null && !a.masks(j)) {
                        problem = "its mask does not name adapter " + j + ", " + held(holder[j]);
                    }
                }
            }
            for (int p = 0; p < a.voters().length && problem == null; p++) {
                for (int j : a.voters()[p]) {
                    if (j < n && until[j] > a.generation()) {
                        problem = "prediction " + p + " has adapter " + j + " among its voters, " + held(holder[j]);
                    } else if (a.masks(j)) {
                        problem = "prediction " + p + " has adapter " + j + " among its voters, which its own mask names";
                    }
                    if (problem != null) {
                        break;
                    }
                }
            }
            if (under) {
                underMask++;
            }
            if (problem != null) {
                violations++;
                if (details.size() < detail) {
                    details.add("answer sent at " + seconds(a.sentNanos()) + " s (generation " + a.generation() + ", mask "
                            + a.maskId() + " [" + join(a.mask()) + "]): " + problem);
                }
            }
        }
        return new Result(byTime.length, underMask, violations, List.copyOf(details), null);
    }

    private static String held(Request r) {
        return "masked for request " + r.id() + " (202 at " + seconds(r.ackNanos()) + " s, "
                + (r.committedGeneration() < 0 ? "not committed" : "committed at generation " + r.committedGeneration())
                + ")";
    }

    private static String seconds(long nanos) {
        return String.format(Locale.ROOT, "%.6f", nanos / 1e9);
    }

    private static String join(int[] v) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < v.length; i++) {
            b.append(i == 0 ? "" : ",").append(v[i]);
        }
        return b.toString();
    }
}
