package ai.mozaiks.session;

/** Seqs {@code first..last} handed to one append by the chat's counter; nobody else gets them. */
record SeqReservation(long first, long last) {
    int size() {
        return (int) (last - first + 1);
    }

    long seq(int index) {
        return first + index;
    }
}
