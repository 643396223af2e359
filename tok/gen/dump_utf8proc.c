/* Prints, for every code point, 'L', 'N' or '.' as utf8proc classifies it. */
#include <stdio.h>
#include <utf8proc.h>

int main(void)
{
    for (int c = 0; c <= 0x10FFFF; c++) {
        int k = utf8proc_category(c), ch = '.';
        if (k >= UTF8PROC_CATEGORY_LU && k <= UTF8PROC_CATEGORY_LO)
            ch = 'L';
        else if (k >= UTF8PROC_CATEGORY_ND && k <= UTF8PROC_CATEGORY_NO)
            ch = 'N';
        putchar(ch);
    }
    return 0;
}
