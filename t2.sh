exec 2>sigA
( sh -c 'kill -TERM $$' ); echo "st=$? size=$(wc -c <sigA)"
exec 2>sigB
( sh -c 'exit 3' ); echo "st=$? size=$(wc -c <sigB)"
