package dev.rigfleet.workspaces.ci;

import java.util.Random;

/** Fuzzing by small edits: a valid sample with one to four characters replaced, inserted or deleted. */
final class Mangling {

    private Mangling() {}

    static String mangle(String sample, String alphabet, Random random) {
        StringBuilder mangled = new StringBuilder(sample);
        for (int edit = random.nextInt(4); edit >= 0; edit--) {
            int at = random.nextInt(mangled.length());
            char c = alphabet.charAt(random.nextInt(alphabet.length()));
            switch (random.nextInt(3)) {
                case 0 -> mangled.setCharAt(at, c);
                case 1 -> mangled.insert(at, c);
                default -> mangled.deleteCharAt(at);
            }
        }
        return mangled.toString();
    }
}
