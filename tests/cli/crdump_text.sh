# text where a stream is expected says so, and suggests crtok
echo "Once upon a time" | crdump
