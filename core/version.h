/* The version of cr, printed by every program's --version. */
#ifndef CR_VERSION_H
#define CR_VERSION_H

#define CR_VERSION "0.4.0"

#endif
