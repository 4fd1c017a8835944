// Regenerates tests/vectors/: passkoop-make-vectors DIR
#include "vectors/vectors.hpp"

#include <iostream>

int main(int argc, char** argv) {
    if (argc != 2) {
        std::cerr << "usage: passkoop-make-vectors DIR\n";
        return 2;
    }
    pk_test::write_vectors(argv[1]);
    std::cout << "vectors written to " << argv[1] << "\n";
    return 0;
}
