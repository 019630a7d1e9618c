package org.legonet.core;

import java.util.List;

/** Up to ten ids for a message, then how many in all. */
final class IdList {
    private IdList() {
    }

    static String of(List<Long> ids) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < Math.min(ids.size(), 10); i++) {
            b.append(i == 0 ? "" : ", ").append(ids.get(i));
        }
        if (ids.size() > 10) {
            b.append(", ... (").append(ids.size()).append(" in all)");
        }
        return b.toString();
    }
}
