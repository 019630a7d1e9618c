package org.legonet.core;

import org.legonet.core.data.Dataset;

/**
 * One change to a model: samples to add, then samples to forget, computed together so that every
 * adapter either touches is retrained once. The adds apply first, so an edit may forget a sample
 * it adds (the result holds neither); a class forget applies to every retained sample of the class,
 * the added ones included.
 *
 * @param add             new private samples with new ids (labels in the model's label set, raw
 *                        features of the model's input size), or {@code null}
 * @param forget          what to forget, or {@code null}
 * @param readdForgotten  whether an added id may be one the model forgot earlier (refused by
 *                        default, so that a deleted person's id does not come back by mistake)
 */
public record Edit(Dataset add, ForgetRequest forget, boolean readdForgotten) {
    public Edit {
        if (add == null && forget == null) {
            throw new IllegalArgumentException("an edit adds samples, forgets samples, or both");
        }
        if (add != null && add.size() == 0 && forget == null) {
            throw new LegoNetException("no samples to add");
        }
    }

    /** Forget what {@code request} names. */
    public static Edit forget(ForgetRequest request) {
        return new Edit(null, request, false);
    }

    /** Add {@code samples}; ids the model forgot earlier are refused. */
    public static Edit add(Dataset samples) {
        return new Edit(samples, null, false);
    }

    /** This edit, allowing (or not) an added id to be one the model forgot earlier. */
    public Edit withReaddForgotten(boolean allow) {
        return new Edit(add, forget, allow);
    }

    /** Samples added (0 when none). */
    public int added() {
        return add == null ? 0 : add.size();
    }

    @Override
    public String toString() {
        String a = add == null ? null : "add " + add.size() + " sample" + (add.size() == 1 ? "" : "s");
        String f = forget == null ? null : forget.toString();
        return a == null ? f : f == null ? a : a + ", " + f;
    }
}
