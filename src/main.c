#include <stdio.h>
int main(void) { puts("nuage"); return 0; }
