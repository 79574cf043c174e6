/* static.c - built with -static: there is no dynamic loader to preload into. */
int main(void)
{
	return 0;
}
