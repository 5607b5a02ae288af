package dev.rigfleet.bench;

/** Command-line options of the form {@code --name value}. */
final class Args {

    private Args() {}

    static String string(String[] args, String name, String otherwise) {
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals(name)) {
                return args[i + 1];
            }
        }
        return otherwise;
    }

    static int integer(String[] args, String name, int otherwise) {
        return Integer.parseInt(string(args, name, Integer.toString(otherwise)));
    }

    static boolean flag(String[] args, String name) {
        for (String arg : args) {
            if (arg.equals(name)) {
                return true;
            }
        }
        return false;
    }
}
